"""A large export streams in bounded memory: many thousands of receipts (200,000 on
PostgreSQL) seeded with INSERT … SELECT, the CSV consumed as a client would, and the
memory Python allocates meanwhile (tracemalloc's peak) compared at two sizes."""

import tracemalloc
from datetime import date

from django.db import connection, models
from django.urls import reverse
from django.utils import timezone

from conftest import is_postgres
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.services import link_create
from paylinks.receipts.models import SalesReceipt

NUMBERS = "WITH RECURSIVE n(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM n WHERE g < %(count)s) "


def _insert_select(model: type[models.Model], given: dict[str, str], source: str) -> str:
    """``INSERT INTO <table> (every column) SELECT … <source>``: the columns in ``given``
    take its SQL expressions, the others an empty value of their type."""
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
            values.append("FALSE")
        elif isinstance(field, models.IntegerField):
            values.append("0")
        else:
            raise AssertionError(f"no empty value for {model.__name__}.{field.name}")
    table = model._meta.db_table
    return f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"  # noqa: S608


def seed_receipts(link, count: int, days: tuple[date, date]) -> None:
    """``count`` succeeded card payments of ``link`` with their receipts, on two days:
    attempts, payments, receipts, three statements (receipt number = payment id, so
    unique per merchant)."""
    tag = f"{link.pk}x{count}"
    params = {
        "count": count,
        "link": link.pk,
        "merchant": link.merchant_id,
        "now": timezone.now(),
        "day_one": days[0],
        "day_two": days[1],
    }
    card = {
        "link_id": "%(link)s",
        "merchant_id": "%(merchant)s",
        "currency": "'CAD'",
        "method": "'card'",
        "card_brand": "'Visa'",
        "card_last4": "'4242'",
        "payer_language": "'en'",
        "created_at": "%(now)s",
    }
    attempts = _insert_select(
        Attempt,
        {
            **card,
            "public_id": f"'att_{tag}_' || g",
            "amount": "1000 + g %% 997",
            "payer_name": "'Payer ' || g",
            "payer_email": "'payer' || g || '@example.com'",
            "outcome": "'succeeded'",
            "processor": "'sandbox'",
            "processor_ref": f"'pi_{tag}_' || g",
            "completed_at": "%(now)s",
        },
        "FROM n",
    )
    payments = _insert_select(
        Payment,
        {
            **card,
            "public_id": f"'pay_{tag}_' || a.id",
            "token": f"'tok_{tag}_' || a.id",
            "attempt_id": "a.id",
            "amount": "a.amount",
            "payer_name": "a.payer_name",
            "payer_email": "a.payer_email",
            "status": "'succeeded'",
            "processor_ref": "a.processor_ref",
            "settled_at": "%(now)s",
            "fee": "30 + a.id %% 50",
        },
        f"FROM checkout_attempt a WHERE a.link_id = %(link)s AND a.public_id LIKE 'att_{tag}_%%'",
    )
    receipts = _insert_select(
        SalesReceipt,
        {
            "public_id": "'rcpt_' || p.public_id",
            "merchant_id": "p.merchant_id",
            "number": "p.id",
            "payment_id": "p.id",
            "link_id": "p.link_id",
            "date": "CASE WHEN p.id %% 2 = 0 THEN %(day_one)s ELSE %(day_two)s END",
            "description": "'Paid by ' || p.payer_name",
            "line_description": "'Seeded'",
            "amount": "p.amount",
            "currency": "'CAD'",
            "payment_method": "'Visa •••• 4242'",
            "created_at": "%(now)s",
        },
        f"FROM checkout_payment p WHERE p.link_id = %(link)s AND p.public_id LIKE 'pay_{tag}_%%'",
    )
    with connection.cursor() as cursor:
        cursor.execute(NUMBERS + attempts, params)
        cursor.execute(payments, params)
        cursor.execute(receipts, params)


def export_peak(client, merchant, count: int, days: tuple[date, date]) -> int:
    """Seed ``count`` receipts on ``days``, download them all: the bytes tracemalloc saw
    at its peak above what was allocated when the download started."""
    link = link_create(merchant=merchant, kind="multi", amount=1000, description="Seeded")
    seed_receipts(link, count, days)
    tracemalloc.start()
    try:
        response = client.get(
            reverse("books:exports"),
            {"kind": "sales_receipts", "start": days[0].isoformat(), "end": days[1].isoformat()},
        )
        baseline = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        lines, size = 0, 0
        for chunk in response.streaming_content:
            lines += chunk.count(b"\n")
            size += len(chunk)
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        tracemalloc.stop()
    assert lines == count + 1  # the header, then every receipt
    assert size > count * 80
    return peak


def test_a_large_export_streams_in_bounded_memory(logged_in, merchant):
    small, large = (20_000, 200_000) if is_postgres() else (5_000, 50_000)
    small_peak = export_peak(logged_in, merchant, small, (date(2026, 6, 1), date(2026, 6, 2)))
    large_peak = export_peak(logged_in, merchant, large, (date(2026, 7, 1), date(2026, 7, 2)))
    # Ten times the rows, the same peak: one page of rows (2,000) and one chunk of lines
    # at a time, whatever the count (all rows at once would take hundreds of MB).
    assert large_peak < 20 * 1024 * 1024, large_peak
    assert large_peak < small_peak * 1.5 + 2 * 1024 * 1024, (small_peak, large_peak)
