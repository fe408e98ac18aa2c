"""Load on the hosted page and payments per second, against a real `paylinks serve`.

    .venv/bin/python bench/hosted_page.py [--database-url URL] [--seconds 5] [--clients 16]

Starts the server on a fresh database (a temporary SQLite file unless --database-url
names an empty PostgreSQL database), then measures, one after the other, for the same
number of seconds and concurrent clients:
  baseline   GET /login/           (a small Django page: the server's own floor)
  hosted     GET /l/<token>        (the customer's payment page)
  pay        GET + POST /l/<token> (a card payment, booked as a sales receipt)
and prints requests per second and each one's ratio to the baseline. Loopback only;
every loop is bounded in time. Not a test: nothing passes or fails here.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def measure(name: str, seconds: float, clients: int, one) -> tuple[float, float]:
    deadline = time.monotonic() + seconds
    latencies: list[float] = []

    def worker(_: int) -> None:
        while time.monotonic() < deadline:
            start = time.perf_counter()
            one()
            latencies.append(time.perf_counter() - start)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(worker, range(clients)))
    elapsed = time.monotonic() - started
    rate = len(latencies) / elapsed
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    print(f"{name:9} {rate:8.1f} req/s   p50 {p50:6.1f} ms   ({len(latencies)} requests)")
    return rate, p50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="paylinks-bench-")
    os.environ["PAYLINKS_DATA_DIR"] = data_dir
    os.environ["PAYLINKS_EMAIL_URL"] = "console:"
    # The bench pays many times from one address with one card: lift the card-testing limits.
    for name in ("LINK", "IP", "CARD", "MERCHANT"):
        os.environ[f"PAYLINKS_VELOCITY_MAX_FAILURES_PER_{name}"] = "1000000"
    if args.database_url:
        os.environ["PAYLINKS_DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "paylinks.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from conftest import make_merchant  # the tests' own way to make an approved merchant
    from livehttp import Client, serve
    from paylinks.links.services import link_create

    link = link_create(
        merchant=make_merchant().merchant, kind="multi", amount=1250, description="Bench"
    )
    print(
        f"paylinks bench: {connection.vendor}, {args.workers} web workers, "
        f"{args.clients} clients, {args.seconds:.0f} s each"
    )
    form = {
        "name": "Bench",
        "email": "bench@example.com",
        "method": "card",
        "card_number": "4242424242424242",
        "card_exp": "12/31",
        "card_cvc": "123",
        "card_postal_code": "H2X1Y4",
    }
    with serve(
        Path(data_dir),
        workers=args.workers,
        **{k: v for k, v in os.environ.items() if k.startswith("PAYLINKS_VELOCITY")},
    ) as base:
        client = Client()
        baseline, _ = measure(
            "baseline", args.seconds, args.clients, lambda: Client().get(base + "/login/")
        )
        hosted, _ = measure(
            "hosted", args.seconds, args.clients, lambda: client.get(base + link.path)
        )
        paid, _ = measure(
            "pay", args.seconds, args.clients, lambda: Client().post_form(base + link.path, form)
        )
    print(f"ratios to baseline: hosted {hosted / baseline:.2f}, pay {paid / baseline:.2f}")
    from paylinks.receipts.models import SalesReceipt

    print(f"sales receipts booked: {SalesReceipt.objects.count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
