"""A million-row CSV export through a real `paylinks serve`, and the web worker's memory.

    .venv/bin/python bench/export.py --database-url postgres://…/paylinks_big --receipts 1000000

Re-creates the database, migrates it, and loads one merchant's paid card payments with
their sales receipts (INSERT … SELECT over generate_series, spread over 30 days); then
downloads the sales-receipts export of the whole range from `paylinks serve` (one web
worker) as a browser would, sampling the worker's resident memory every 0.2 s, and
fetches the period totals per day and per month. Reports rows, bytes, seconds and the
worker's RSS before, at its peak and after. A benchmark: nothing passes or fails.
"""

import argparse
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Client, django_setup, recreate_database, rss_mb, serve  # noqa: E402

EMAIL, PASSWORD = "export@paylinks.localhost", "bench-paylinks-2026"
FIRST_DAY = date(2026, 1, 1)
DAYS = 30


def insert_select(model, given: dict[str, str], source: str) -> str:
    """``INSERT INTO <table> (every column) SELECT …``: the columns in ``given`` take its
    SQL expressions, the others an empty value of their type."""
    from django.db import models

    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(field.column)
        if field.column in given:
            values.append(given[field.column])
        elif field.null:
            values.append("NULL")
        elif isinstance(field, models.CharField | models.TextField):
            values.append("''")
        elif isinstance(field, models.BooleanField):
            values.append("false")
        elif isinstance(field, models.IntegerField):
            values.append("0")
        else:
            raise SystemExit(f"no empty value for {model.__name__}.{field.name}")
    table = model._meta.db_table
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"  # noqa: S608


def seed(count: int) -> None:
    from django.db import connection

    from paylinks.checkout.models import Attempt, Payment
    from paylinks.links.services import link_create
    from paylinks.merchants.services import merchant_signup, payments_account_apply
    from paylinks.receipts.models import SalesReceipt

    user = merchant_signup(
        business_name="Export Bakery", email=EMAIL, password=PASSWORD, locale="fr", currency="CAD"
    )
    merchant = user.merchant
    assert merchant is not None
    payments_account_apply(
        merchant=merchant,
        legal_name="Export Bakery",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="123456789",
    )
    link = link_create(merchant=merchant, kind="multi", amount=1000, description="Croissants")
    params = {"n": count, "link": link.pk, "merchant": merchant.pk, "first": FIRST_DAY}
    card = {
        "link_id": "%(link)s",
        "merchant_id": "%(merchant)s",
        "currency": "'CAD'",
        "method": "'card'",
        "card_brand": "'Visa'",
        "card_last4": "'4242'",
        "payer_language": "'fr'",
    }
    steps = [
        (
            "attempts",
            insert_select(
                Attempt,
                {
                    **card,
                    "public_id": "'att_big' || g",
                    "amount": "1000 + g %% 997",
                    "payer_name": "'Client ' || g",
                    "payer_email": "'client' || g || '@example.com'",
                    "outcome": "'succeeded'",
                    "processor": "'sandbox'",
                    "processor_ref": "'pi_big' || g",
                    "created_at": f"%(first)s::timestamptz + (g %% {DAYS}) * interval '1 day'",
                    "completed_at": f"%(first)s::timestamptz + (g %% {DAYS}) * interval '1 day'",
                },
                "FROM generate_series(1, %(n)s) g",
            ),
        ),
        (
            "payments",
            insert_select(
                Payment,
                {
                    **card,
                    "public_id": "'pay_big' || a.id",
                    "token": "md5('pay' || a.id) || md5('p2' || a.id)",
                    "attempt_id": "a.id",
                    "amount": "a.amount",
                    "payer_name": "a.payer_name",
                    "payer_email": "a.payer_email",
                    "status": "'succeeded'",
                    "processor_ref": "a.processor_ref",
                    "created_at": "a.created_at",
                    "settled_at": "a.created_at",
                    "fee": "(a.amount * 29 + 500) / 1000 + 30",
                },
                "FROM checkout_attempt a WHERE a.link_id = %(link)s",
            ),
        ),
        (
            "receipts",
            insert_select(
                SalesReceipt,
                {
                    "public_id": "'rcpt_' || p.public_id",
                    "merchant_id": "p.merchant_id",
                    "number": "row_number() OVER (ORDER BY p.created_at, p.id)",
                    "payment_id": "p.id",
                    "link_id": "p.link_id",
                    "date": "p.created_at::date",
                    "description": "'Payé par ' || p.payer_name",
                    "line_description": "'Croissants'",
                    "amount": "p.amount",
                    "currency": "'CAD'",
                    "payment_method": "'Visa •••• 4242'",
                    "created_at": "p.created_at",
                },
                "FROM checkout_payment p WHERE p.link_id = %(link)s",
            ),
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for name, sql in steps:
            started = time.monotonic()
            cursor.execute(sql, params)
            print(f"  {name:9} {cursor.rowcount:>10,} rows  {time.monotonic() - started:6.1f} s")
        cursor.execute(
            "UPDATE merchants_merchant SET last_receipt_number = %s WHERE id = %s",
            [count, merchant.pk],
        )
        cursor.execute("VACUUM ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/a_database_name")
    parser.add_argument("--receipts", type=int, default=1_000_000)
    args = parser.parse_args()

    recreate_database(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    print(f"seeding {args.receipts:,} receipts", flush=True)
    seed(args.receipts)

    last = FIRST_DAY + timedelta(days=DAYS - 1)
    with serve(args.database_url, workers=1) as server:
        client = Client()
        status, _page = client.post_form(
            server.base + "/login/", {"username": EMAIL, "password": PASSWORD}
        )
        if status not in (200, 302):
            raise SystemExit(f"login failed: {status}")
        (worker,) = server.web_workers()
        before = rss_mb(worker)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak.append(rss_mb(worker))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        url = (
            f"{server.base}/sales/books/exports/?kind=sales_receipts"
            f"&start={FIRST_DAY.isoformat()}&end={last.isoformat()}"
        )
        started = time.monotonic()
        lines = size = 0
        with client.opener.open(url, timeout=3600) as response:
            while chunk := response.read(1 << 16):
                lines += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.monotonic() - started
        done.set()
        sampler.join()
        after = rss_mb(worker)
        print(
            f"export: {lines - 1:,} rows, {size / 1e6:.0f} MB in {seconds:.1f} s "
            f"({(lines - 1) / seconds:,.0f} rows/s); web worker RSS {before:.0f} MB before, "
            f"{max(peak):.0f} MB at peak, {after:.0f} MB after"
        )
        for by, start in (("day", FIRST_DAY), ("month", FIRST_DAY)):
            started = time.monotonic()
            client.get(
                f"{server.base}/sales/books/totals/?start={start.isoformat()}"
                f"&end={last.isoformat()}&by={by}"
            )
            print(f"totals per {by}: {1000 * (time.monotonic() - started):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
