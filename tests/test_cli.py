import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from paylinks.cli import main
from paylinks.merchants.models import User


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("serve", "demo", "worker", "migrate", "createmerchant"):
        assert command in out


def test_createmerchant(db, capsys):
    code = main(
        [
            "createmerchant",
            "--business-name",
            "Fromagerie",
            "--email",
            "fromage@example.com",
            "--password",
            "correct-horse-battery-9",
            "--locale",
            "fr",
        ]
    )
    out = capsys.readouterr().out
    user = User.objects.get(email="fromage@example.com")
    assert code == 0 and user.merchant.public_id in out
    assert (
        main(
            [
                "createmerchant",
                "--business-name",
                "X",
                "--email",
                "fromage@example.com",
                "--password",
                "correct-horse-battery-9",
            ]
        )
        == 2
    )
    assert "email" in capsys.readouterr().err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_embedded_defaults(tmp_path):
    """The quick start: a fresh data directory, nothing configured, a page answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
    env["PAYLINKS_DATA_DIR"] = str(tmp_path)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "paylinks.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2) as r:
                    page = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    proc.kill()
                    pytest.fail(proc.stdout.read().decode())
                time.sleep(0.3)
        assert "paylinks" in page and 'name="password"' in page
        assert (tmp_path / "paylinks.sqlite3").exists()
        key = (tmp_path / "secret_key").read_text()
        assert len(key) >= 50
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode in (0, -15)
    # With no PAYLINKS_BASE_URL, links and emails point at this very server.
    assert f"(base URL http://127.0.0.1:{port})" in proc.stdout.read().decode()


def test_demo_creates_its_merchant_and_links_once(db):
    """`paylinks demo` applies, then creates links with the same merchant: the approval
    must show on that very object (it did not: the demo failed before serving)."""
    from paylinks.cli import DEMO_EMAIL, _create_demo
    from paylinks.merchants.models import User

    _create_demo()
    _create_demo()  # once
    merchant = User.objects.get(email=DEMO_EMAIL).merchant
    assert merchant.can_take_payments and merchant.links.count() == 4
