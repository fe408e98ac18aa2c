"""Fill a fresh PostgreSQL database with N links and the rows that go with them, fast.

    .venv/bin/python bench/seed.py --database-url postgres://…/paylinks_bench --links 1000000

Drops and re-creates the database, migrates it, then loads straight into the tables with
INSERT … SELECT over generate_series (no Python per row):
  ~1,000 merchants; one of them (``bench@paylinks.localhost``, password below, who can log
  in) owns a tenth of the links (100k when N is 1M); the others share the rest;
  per link on average ~2 attempts (one failed, the others succeeded) and ~1 payment with its
  sales receipt (numbered per merchant); single-use links paid once or not at all, multi-use
  ones 0-3 times; 5 % deactivated, 5 % expired; and one multi-use link of the big merchant
  (description "Viral") with 10,000 payments.
Totals on the links and receipt counters on the merchants match the rows.
Benchmarks are not tests: nothing here passes or fails.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, recreate_database  # noqa: E402

BIG_EMAIL = "bench@paylinks.localhost"
BIG_PASSWORD = "bench-paylinks-2026"
MERCHANTS = 1000
VIRAL_PAYMENTS = 10_000

# One statement per table. %(n)s links; %(big)s the big merchant's id; %(first)s the first
# of the other merchants' ids; the big merchant owns links 1 … n/10.
STEPS = [
    (
        "merchants",
        """
        INSERT INTO merchants_merchant
            (public_id, business_name, locale, currency, last_receipt_number,
             last_refund_receipt_number, accent_color, logo_version, created_at)
        SELECT 'mer_seed' || g, 'Shop ' || g, CASE WHEN g %% 3 = 0 THEN 'fr' ELSE 'en' END,
               'CAD', 0, 0, '', '', now() - interval '2 years'
        FROM generate_series(1, %(others)s) g
        """,
    ),
    (
        "links",
        """
        INSERT INTO links_paymentlink
            (public_id, token, merchant_id, kind, amount, currency, description,
             show_business_name, allow_card, allow_bank_transfer, collect_delivery,
             customer_name, customer_email, customer_phone, expires_on, max_payments,
             inactive_message, is_active, state, payments_count, amount_collected,
             created_at, updated_at)
        SELECT 'plink_seed' || g, md5('token' || g) || md5('t2' || g),
               CASE WHEN g <= %(n)s / 10 THEN %(big)s ELSE %(first)s + g %% %(others)s END,
               kind, amount, 'CAD', 'Order ' || g,
               true, true, g %% 4 = 0, false,
               CASE WHEN kind = 'single' THEN 'Customer ' || g ELSE '' END,
               CASE WHEN kind = 'single' THEN 'c' || g || '@example.com' ELSE '' END,
               '',
               CASE WHEN g %% 20 = 11 THEN date '2024-01-01' END, NULL,
               '', g %% 20 <> 7,
               CASE WHEN kind = 'single' AND paid > 0 THEN 'paid' ELSE 'open' END,
               paid, paid * amount,
               created, created
        FROM (
            SELECT g,
                   CASE WHEN g %% 2 = 0 THEN 'multi' ELSE 'single' END AS kind,
                   1000 + (g %% 97) * 25 AS amount,
                   CASE WHEN g = 2 THEN %(viral)s
                        WHEN g %% 2 = 0 THEN (g / 2) %% 4
                        WHEN g %% 20 IN (7, 11) THEN 0
                        ELSE CASE WHEN g %% 3 = 0 THEN 0 ELSE 1 END END AS paid,
                   now() - interval '400 days' + g * (interval '399 days' / %(n)s) AS created
            FROM generate_series(1, %(n)s) g
        ) s
        """,
    ),
    (
        "attempts",
        """
        INSERT INTO checkout_attempt
            (public_id, link_id, merchant_id, outcome, failure_code, payer_name,
             payer_email, payer_language, amount, currency, processor, processor_ref,
             client_ip, card_fingerprint, created_at, completed_at, method, card_brand,
             card_last4, card_exp_month, card_exp_year, bank_last4, delivery_line1,
             delivery_city, delivery_region, delivery_postal_code, delivery_country,
             reservation)
        SELECT 'att_seed' || l.id || '_' || k, l.id, l.merchant_id,
               CASE WHEN k = 0 THEN 'failed' ELSE 'succeeded' END,
               CASE WHEN k = 0 THEN 'card_declined' ELSE '' END,
               'Payer ' || k, 'payer' || k || '@example.com', 'en', l.amount, 'CAD',
               'sandbox', 'sbx_seed' || l.id || '_' || k, '127.0.0.1', md5(k::text),
               l.created_at + k * interval '1 second', l.created_at + k * interval '1 second',
               'card', 'Visa', '4242', 12, 2031, '', '', '', '', '', '', ''
        FROM links_paymentlink l, generate_series(0, l.payments_count) k
        """,
    ),
    (
        "payments",
        """
        INSERT INTO checkout_payment
            (public_id, token, link_id, merchant_id, attempt_id, status, failure_code,
             amount, currency, payer_name, payer_email, payer_language, delivery_status,
             delivered_at, processor_ref, created_at, settled_at, method, card_brand,
             card_last4, card_exp_month, card_exp_year, bank_last4, delivery_line1,
             delivery_city, delivery_region, delivery_postal_code, delivery_country,
             amount_refunded, fee)
        SELECT 'pay_seed' || a.id, md5('pay' || a.id) || md5('p2' || a.id), a.link_id,
               a.merchant_id, a.id, 'succeeded', '', a.amount, 'CAD', a.payer_name,
               a.payer_email, 'en', '', NULL, a.processor_ref, a.created_at, a.created_at,
               'card', 'Visa', '4242', 12, 2031, '', '', '', '', '', '',
               0, (a.amount * 29 + 500) / 1000 + 30
        FROM checkout_attempt a WHERE a.outcome = 'succeeded'
        """,
    ),
    (
        "receipts",
        """
        INSERT INTO receipts_salesreceipt
            (public_id, merchant_id, number, payment_id, link_id, date, customer_name,
             customer_email, description, line_description, amount, currency,
             payment_method, created_at)
        SELECT 'rcpt_seed' || p.id, p.merchant_id,
               row_number() OVER (PARTITION BY p.merchant_id ORDER BY p.id),
               p.id, p.link_id, p.created_at::date, '', '',
               'Paid by ' || p.payer_name || ' through payment link ' || l.public_id,
               l.description, p.amount, 'CAD', 'Visa •••• 4242', p.created_at
        FROM checkout_payment p JOIN links_paymentlink l ON l.id = p.link_id
        """,
    ),
    (
        "receipt counters",
        """
        UPDATE merchants_merchant m SET last_receipt_number = r.n
        FROM (SELECT merchant_id, max(number) AS n FROM receipts_salesreceipt
              GROUP BY merchant_id) r
        WHERE r.merchant_id = m.id
        """,
    ),
    ("viral link", "UPDATE links_paymentlink SET description = 'Viral' WHERE id = %(viral_id)s"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True, help="postgres://…/a_database_name")
    parser.add_argument("--links", type=int, default=10_000)
    args = parser.parse_args()
    n = max(args.links, 20)

    started = time.monotonic()
    recreate_database(args.database_url)
    django_setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from paylinks.merchants.services import merchant_signup, payments_account_apply

    user = merchant_signup(
        business_name="Bench Bakery",
        email=BIG_EMAIL,
        password=BIG_PASSWORD,
        locale="en",
        currency="CAD",
    )
    assert user.merchant is not None
    payments_account_apply(
        merchant=user.merchant,
        legal_name="Bench Bakery",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="123456789",
    )
    big = user.merchant.pk
    params = {"n": n, "big": big, "others": MERCHANTS - 1, "viral": VIRAL_PAYMENTS}
    print(f"seeding {n:,} links into {connection.settings_dict['NAME']}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        cursor.execute("SET work_mem = '64MB'")
        for name, sql in STEPS:
            t = time.monotonic()
            if name == "links":
                cursor.execute("SELECT min(id) FROM merchants_merchant WHERE id <> %s", [big])
                params["first"] = cursor.fetchone()[0]
            if name == "viral link":
                cursor.execute("SELECT id FROM links_paymentlink WHERE public_id = 'plink_seed2'")
                params["viral_id"] = cursor.fetchone()[0]
            cursor.execute(sql, params)
            print(f"  {name:17} {cursor.rowcount:>10,} rows  {time.monotonic() - t:6.1f} s")
        t = time.monotonic()
        cursor.execute("VACUUM ANALYZE")
        print(f"  {'vacuum analyze':17} {'':>10}       {time.monotonic() - t:6.1f} s")
        counts = {}
        for table in ("links_paymentlink", "checkout_attempt", "checkout_payment"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        size = cursor.fetchone()[0]
    print(
        f"seeded in {time.monotonic() - started:.0f} s: {counts['links_paymentlink']:,} links, "
        f"{counts['checkout_attempt']:,} attempts, {counts['checkout_payment']:,} payments "
        f"and receipts; database {size}; log in as {BIG_EMAIL} / {BIG_PASSWORD}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
