"""The README's API and webhooks walkthrough, run as written against `paylinks demo`:
its shell blocks with bash and curl, its receiver with Python. Only the ports change, the
lines that say "the id in that answer" take it from that answer, and the line starting
the demo and the receiver are the test's to run."""

import json
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from livehttp import Client, base_env, free_port, serve_process, wait_for
from paylinks.webhooks.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parent.parent
PRELUDE = """\
set -euo pipefail
OUT="$WORK/out.txt"
# Each answer on its own line, also kept in $OUT; an HTTP error stops the walkthrough.
curl() { { command curl --fail-with-body "$@" && echo; } | tee -a "$OUT"; }
last_answer() {
  tail -n 1 "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}
last_receipt_payment() {
  tail -n 1 "$OUT" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["payment"])'
}
if [ -f "$WORK/vars.sh" ]; then source "$WORK/vars.sh"; fi
"""
SAVE = '\ndeclare -p KEY API LINK SECRET > "$WORK/vars.sh" 2>/dev/null || true\n'


def readme_blocks() -> list[tuple[str, str]]:
    """The fenced blocks of the README's "API and webhooks" section: (language, text)."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## API and webhooks", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, flags=re.S)


def block_with(blocks: list[tuple[str, str]], needle: str) -> str:
    (found,) = [text for _lang, text in blocks if needle in text]
    return found


def adapt(block: str, api_port: int, hook_port: int) -> str:
    lines = []
    for line in block.splitlines():
        if line.startswith(("./dev demo", "WEBHOOK_SECRET=")):
            continue  # the test runs the demo and the receiver itself
        line = line.replace("127.0.0.1:8000", f"127.0.0.1:{api_port}")
        line = line.replace("127.0.0.1:9000", f"127.0.0.1:{hook_port}")
        line = re.sub(r"^(LINK)=plink_….*$", r"\1=$(last_answer id)", line)
        line = re.sub(r"^(SECRET)=whsec_….*$", r"\1=$(last_answer secret)", line)
        line = re.sub(r"^(PAYMENT)=pay_….*$", r"\1=$(last_receipt_payment)", line)
        assert "…" not in line, line  # every placeholder is filled
        lines.append(line)
    return "\n".join(lines)


def run_shell(script: str, work: Path, env: dict[str, str]) -> list[str]:
    """Run a README block with bash; its answers, one per line."""
    out = work / "out.txt"
    before = len(out.read_text().splitlines()) if out.exists() else 0
    result = subprocess.run(
        ["bash", "-c", PRELUDE + script + SAVE],
        cwd=ROOT,
        env={**env, "WORK": str(work)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return out.read_text().splitlines()[before:]


def test_the_readme_walkthrough_works_against_paylinks_demo(tmp_path):
    blocks = readme_blocks()
    api_port, hook_port = free_port(), free_port()
    env = base_env(tmp_path, PAYLINKS_BASE_URL=f"http://127.0.0.1:{api_port}")
    with serve_process(tmp_path, "--port", str(api_port), command="demo", name="demo") as demo:
        # The API calls: create (twice: replayed), list, retrieve, update, (de)activate, ….
        answers = [
            json.loads(a)
            for a in run_shell(
                adapt(block_with(blocks, "Order 1042"), api_port, hook_port), tmp_path, env
            )
        ]
        created = answers[0]
        assert (created["object"], created["amount"], created["status"]) == (
            "payment_link",
            2599,
            "active",
        )
        link_id = created["id"]
        listed, retrieved, updated = answers[1:4]
        assert listed["object"] == "list" and link_id in [d["id"] for d in listed["data"]]
        assert retrieved == created
        assert updated["amount"] == 2999
        assert [a["status"] for a in answers[4:6]] == ["deactivated", "active"]
        assert all(a["object"] == "list" for a in answers[7:])

        # Webhooks: the endpoint, the README's receiver, then the customer pays.
        (endpoint,) = [
            json.loads(a)
            for a in run_shell(
                adapt(block_with(blocks, "/webhook_endpoints -H"), api_port, hook_port),
                tmp_path,
                env,
            )
        ]
        assert endpoint["secret"].startswith("whsec_")
        receiver_py = tmp_path / "receiver.py"
        receiver_py.write_text(
            block_with(blocks, "HTTPServer(").replace(
                '127.0.0.1", 9000', f'127.0.0.1", {hook_port}'
            )
        )
        printed = tmp_path / "receiver.out"
        with printed.open("wb") as sink:
            receiver = subprocess.Popen(
                [sys.executable, str(receiver_py)],
                env={**env, "WEBHOOK_SECRET": endpoint["secret"]},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
            try:

                def listening() -> bool:
                    assert receiver.poll() is None, printed.read_text()
                    with socket.socket() as s:
                        return s.connect_ex(("127.0.0.1", hook_port)) == 0

                wait_for(listening, "the README's receiver listens")
                show_url, list_receipts = adapt(
                    block_with(blocks, "receiver.py &"), api_port, hook_port
                ).splitlines()
                (answer,) = run_shell(show_url, tmp_path, env)
                page = json.loads(answer)["url"]
                status, _html = Client().pay(page, {"name": "Camille", "email": "c@example.com"})
                assert status == 200

                def printed_types() -> set[str]:
                    lines = printed.read_text().splitlines()
                    return {
                        parts[1]
                        for parts in (line.split() for line in lines)
                        if len(parts) == 3 and parts[0].startswith("evt_") and parts[2]
                    }

                expected = {"payment.succeeded", "sales_receipt.created", "payment_link.paid"}
                wait_for(
                    lambda: expected <= printed_types(),
                    "the receiver prints the payment's events",
                    served=demo,
                )
            finally:
                receiver.terminate()
                receiver.wait(timeout=20)
        assert not Delivery.objects.exclude(status="succeeded").exists()

        # The sales receipt, listed by the README's last command.
        (receipts,) = [json.loads(a) for a in run_shell(list_receipts, tmp_path, env)]
        (receipt,) = receipts["data"]
        assert (receipt["object"], receipt["payment_link"], receipt["amount"]) == (
            "sales_receipt",
            link_id,
            2999,
        )

        # A partial refund of that payment, its refunds and its refund receipt.
        refunded, refunds, refund_receipts = [
            json.loads(a)
            for a in run_shell(
                adapt(block_with(blocks, "PAYMENT=pay_"), api_port, hook_port), tmp_path, env
            )
        ]
        assert (refunded["object"], refunded["payment"], refunded["amount"]) == (
            "refund",
            receipt["payment"],
            500,
        )
        assert refunded["status"] == "succeeded"
        assert [r["id"] for r in refunds["data"]] == [refunded["id"]]
        (refund_receipt,) = refund_receipts["data"]
        assert (refund_receipt["refund"], refund_receipt["sales_receipt"]) == (
            refunded["id"],
            receipt["id"],
        )
