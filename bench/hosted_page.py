"""The hosted page and payments per second, A/B against a bare Django "hello" app.

    .venv/bin/python bench/hosted_page.py [--database-url postgres://…/paylinks_bench_ab]
        [--rounds 5] [--seconds 5] [--clients 16] [--workers 2]

Re-creates the PostgreSQL database, makes 16 merchants with a multi-use link each, starts
the real server (`paylinks serve`: its own gunicorn configuration, with its task worker) and,
beside it, bench/hello_app.py under the very same gunicorn command line (read from the
running server's gunicorn process, only the app and the port changed). Then, for several
rounds, in alternating order:
  hello      wrk on the hello app                     (the baseline)
  hosted     wrk on GET /l/<token>                    (the customer's payment page)
  pay ×1     16 clients paying one multi-use link     (page, submit, confirmation)
  pay ×16    16 clients paying 16 links of 16 merchants
and prints the medians: the hosted page's req/s as a ratio to hello's (median of the
rounds' ratios), complete payments per second (receipts booked, counted in the database),
and the RSS of the web workers and the task worker. The last line has the figures the
issue's floors are about. `wrk` is installed from Debian if missing (as root).
Benchmarks are not tests: nothing here passes or fails.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BENCH,
    Client,
    Server,
    children,
    cmdline,
    django_setup,
    free_port,
    recreate_database,
    rss_mb,
    serve,
    stop,
    wait_up,
)

CARD_FORM = {"name": "Bench Payer", "email": "bench@example.com", "method": "card"}
_cards = iter(range(10**9))
_cards_lock = threading.Lock()


def next_card() -> str:
    """A different good card per payment, as many customers' would be (Luhn-valid)."""
    with _cards_lock:
        i = next(_cards)
    base = f"4111{i:011d}"
    for d in "0123456789":
        digits = [int(c) for c in base + d]
        total = sum(digits[-1::-2]) + sum(sum(divmod(2 * x, 10)) for x in digits[-2::-2])
        if total % 10 == 0:
            return base + d
    raise AssertionError("unreachable")


def tokenize(client: Client, base: str) -> str:
    """What the page's script does: the card goes to the sandbox's tokenising endpoint."""
    body = json.dumps({"type": "card", "number": next_card(), "exp": "12/31", "cvc": "123"})
    request = urllib.request.Request(
        base + "/sandbox/v1/tokens",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with client.opener.open(request, timeout=120) as r:
        return json.loads(r.read())["id"]


def pay_once(client: Client, url: str) -> bool:
    """One customer paying by card through the HTTP pages, as a browser does: GET the hosted
    page, POST its form, land on the confirmation. The one place to adapt when paying
    changes (fields, a hand-off to the processor's own fields…)."""
    page = client.get(url)
    checkout = re.search(r'name="checkout" value="([^"]+)"', page)
    token = tokenize(client, url.split("/l/")[0])
    data = {**CARD_FORM, "payment_token": token, "checkout": checkout.group(1) if checkout else ""}
    status, body = client.post_form(url, data, page=page)
    return status == 200 and "csrfmiddlewaretoken" not in body


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise SystemExit("wrk is needed: sudo apt-get install -y wrk")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "wrk"],
        check=True,
        env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"),
    )
    return shutil.which("wrk") or "wrk"


def wrk(binary: str, url: str, seconds: float, clients: int) -> float:
    out = subprocess.run(
        [binary, "-t2", f"-c{clients}", f"-d{max(1, round(seconds))}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not found or re.search(r"Non-2xx or 3xx responses", out):
        raise RuntimeError(f"wrk on {url}:\n{out}")
    return float(found.group(1))


class Hello:
    """bench/hello_app.py under the server's own gunicorn command line."""

    def __init__(self, server: Server) -> None:
        argv = cmdline(server.gunicorn_master())
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        argv = ["hello_app:application" if "paylinks.wsgi" in a else a for a in argv]
        bound = False
        for i, arg in enumerate(argv):
            if arg in ("--bind", "-b") and i + 1 < len(argv):
                argv[i + 1], bound = f"127.0.0.1:{port}", True
            elif arg.startswith("--bind="):
                argv[i], bound = f"--bind=127.0.0.1:{port}", True
        if not bound:
            argv += ["--bind", f"127.0.0.1:{port}"]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAYLINKS_")}
        env.update(PYTHONPATH=str(BENCH), DJANGO_SETTINGS_MODULE="hello_app")
        self.log = Path(tempfile.mkdtemp(prefix="paylinks-hello-")) / "hello.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        wait_up(self.base + "/", self.proc, self.log)
        self.argv = argv

    def rss(self) -> str:
        return "/".join(f"{rss_mb(p):.0f}" for p in children(self.proc.pid)) + " MB"


def payments_per_second(
    urls: list[str], seconds: float, clients: int, receipts: Callable[[], int]
) -> float:
    """``clients`` customers paying for ``seconds``, client i on ``urls[i % len(urls)]``."""
    before = receipts()
    deadline = time.monotonic() + seconds
    errors: list[BaseException] = []

    def customer(i: int) -> None:
        url = urls[i % len(urls)]
        try:
            while time.monotonic() < deadline:
                pay_once(Client(), url)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    started = time.monotonic()
    threads = [threading.Thread(target=customer, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    if errors:
        print(f"  ({len(errors)} customers stopped on an error: {errors[0]!r})")
    return (receipts() - before) / elapsed


def make_links(count: int) -> list[str]:
    """``count`` approved merchants with one multi-use link each; their paths."""
    from paylinks.links.services import link_create
    from paylinks.merchants.services import merchant_signup, payments_account_apply

    paths = []
    for i in range(count):
        user = merchant_signup(
            business_name=f"Bench shop {i}",
            email=f"shop{i}@bench.localhost",
            password="bench-paylinks-2026",
            locale="en",
            currency="CAD",
        )
        assert user.merchant is not None
        payments_account_apply(
            merchant=user.merchant,
            legal_name=f"Bench shop {i}",
            country="CA",
            business_type="corporation",
            institution_number="001",
            transit_number="00011",
            account_number="123456789",
        )
        link = link_create(merchant=user.merchant, kind="multi", amount=1250, description="A")
        paths.append(link.path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/paylinks_bench_ab"
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="web workers (serve's default)")
    args = parser.parse_args()

    binary = ensure_wrk()
    recreate_database(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    paths = make_links(16)
    from paylinks.receipts.models import SalesReceipt

    def receipts() -> int:
        count = SalesReceipt.objects.count()
        connection.close()
        return count

    print(
        f"A/B on {connection.vendor}: {args.workers} web workers, {args.clients} clients, "
        f"{args.rounds} rounds of {args.seconds:.0f} s each"
    )
    figures: dict[str, list[float]] = {"hello": [], "hosted": [], "pay1": [], "pay16": []}
    with serve(args.database_url, workers=args.workers, task_worker=True) as server:
        hello = Hello(server)
        try:
            hosted_url = server.base + paths[0]
            steps: list[tuple[str, Callable[[], float]]] = [
                ("hello", lambda: wrk(binary, hello.base + "/", args.seconds, args.clients)),
                ("hosted", lambda: wrk(binary, hosted_url, args.seconds, args.clients)),
                (
                    "pay1",
                    lambda: payments_per_second([hosted_url], args.seconds, args.clients, receipts),
                ),
                (
                    "pay16",
                    lambda: payments_per_second(
                        [server.base + p for p in paths], args.seconds, args.clients, receipts
                    ),
                ),
            ]
            for r in range(args.rounds):
                order = steps if r % 2 == 0 else list(reversed(steps))
                line = []
                for name, run in order:
                    figures[name].append(run())
                    line.append(f"{name} {figures[name][-1]:.1f}/s")
                print(f"round {r + 1}: " + ", ".join(line), flush=True)
            web_rss, hello_rss = server.rss(), hello.rss()
        finally:
            stop(hello.proc)
    ratios = [h / b for h, b in zip(figures["hosted"], figures["hello"], strict=True)]
    med = {name: statistics.median(values) for name, values in figures.items()}
    print(f"hello app: {med['hello']:.0f} req/s, RSS {hello_rss}")
    print(f"paylinks: hosted page {med['hosted']:.0f} req/s; {web_rss}")
    print(
        f"hosted/hello {statistics.median(ratios):.2f} (floor ≥ 0.25); payments/s one link "
        f"{med['pay1']:.0f} (floor ≥ 150), 16 links {med['pay16']:.0f} (floor ≥ 200); "
        f"RSS {web_rss}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
