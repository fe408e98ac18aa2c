"""axe-core (accessibility) and the Nu HTML checker (vnu), both from npm, pinned in ./dev,
which installs them into .tools/ (git-ignored); vnu runs with Debian's Java."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / ".tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def _require(path: Path) -> None:
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: run the tests with ./dev test")


def axe_violations(page) -> list[str]:
    """Run axe-core in the page as it is now (WCAG 2.x A and AA, and best practices); one
    line per violation and element. Injected by Playwright's evaluate, which the page's
    Content-Security-Policy does not apply to."""
    _require(AXE)
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async () => {
          const r = await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                            "wcag22aa", "best-practice"]},
            resultTypes: ["violations"],
          });
          return r.violations.map(v => ({id: v.id, help: v.help,
            nodes: v.nodes.map(n => n.target.join(" ") + " " + (n.failureSummary || ""))}));
        }"""
    )
    return [f"{v['id']} ({v['help']}): {node}" for v in result for node in v["nodes"]]


def vnu_errors(files: list[Path]) -> list[str]:
    """Check every file in one run of the Nu HTML checker (it is slow to start); one line
    per error (warnings and info are not errors)."""
    _require(VNU)
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: apt-get install -y default-jre-headless (./dev test does it)")
    run = subprocess.run(
        [
            java,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--stdout",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    messages = json.loads(run.stdout)["messages"]
    return [
        f"{os.path.basename(m.get('url', ''))}:{m.get('lastLine')}: {m['message']} "
        f"«{m.get('extract', '')}»"
        for m in messages
        if m["type"] == "error" or m.get("subType") == "fatal"
    ]
