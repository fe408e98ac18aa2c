"""Reads for the books: payouts, period totals, and the rows of the CSV exports, each
walked page by page by a key through an index (never all rows in memory, never OFFSET)."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BigIntegerField,
    Case,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from paylinks.checkout.models import Payment
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import Payout, Refund, RefundReceipt, SalesReceipt

PAYOUT_LIST_KEYS = ("arrival_date", "id")  # newest first; index payout_merchant_arrival
PAYOUT_ITEM_KEYS = ("created_at", "id")
EXPORT_PAGE = 2000  # rows per query while streaming an export
MAX_DAYS = 31  # period totals per day: at most this many days
MAX_MONTHS = 24  # per month: at most this many months


def payout_list(*, merchant: Merchant) -> QuerySet[Payout]:
    return Payout.objects.filter(merchant=merchant)


def payout_get(*, merchant: Merchant, public_id: str) -> Payout:
    return payout_list(merchant=merchant).get(public_id=public_id)


def payout_payments(*, payout: Payout) -> QuerySet[Payment]:
    return Payment.objects.filter(payout=payout).select_related("receipt")


def payout_refunds(*, payout: Payout) -> QuerySet[Refund]:
    return Refund.objects.filter(payout=payout).select_related("payment__receipt", "receipt")


# -- period totals ------------------------------------------------------------------------


@dataclass
class PeriodRow:
    period: date  # the day, or the first day of the month
    gross: int = 0
    refunds: int = 0
    fees: int = 0

    @property
    def net(self) -> int:
        return self.gross - self.refunds - self.fees


def months_between(start: date, end: date) -> int:
    """How many calendar months ``start`` to ``end`` touch (both included)."""
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period_totals(
    *, merchant: Merchant, start: date, end: date, by: str, currency: str
) -> tuple[list[PeriodRow], PeriodRow]:
    """Gross (sales receipts), refunds (refund receipts), the processor's fees (of the
    payments whose receipts fall in the period) and net, per day or month from ``start``
    to ``end`` (both included), in one currency: three GROUP BY queries over the
    (merchant, date) indexes. Every period of the range has a row, zeros included."""
    if by == "month":
        periods = []
        first = start.replace(day=1)
        while first <= end:
            periods.append(first)
            first = (first + timedelta(days=32)).replace(day=1)
    else:
        periods = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    rows = {p: PeriodRow(period=p) for p in periods}

    def grouped(qs: QuerySet[Any], total: Any) -> Iterator[tuple[date, int]]:
        bucket = TruncMonth("date") if by == "month" else F("date")
        found = qs.annotate(period=bucket).values("period").annotate(total=total)
        for row in found.order_by():
            period = row["period"]
            if isinstance(period, datetime):
                period = period.date()
            yield period, row["total"] or 0

    receipts = SalesReceipt.objects.filter(
        merchant=merchant, currency=currency, date__gte=start, date__lte=end
    )
    for period, total in grouped(receipts, Sum("amount")):
        rows[period].gross += total
    for period, total in grouped(receipts, Sum("payment__fee")):
        rows[period].fees += total
    refunds = RefundReceipt.objects.filter(
        merchant=merchant, currency=currency, date__gte=start, date__lte=end
    )
    for period, total in grouped(refunds, Sum("amount")):
        rows[period].refunds += total
    ordered = [rows[p] for p in periods]
    totals = PeriodRow(
        period=start,
        gross=sum(r.gross for r in ordered),
        refunds=sum(r.refunds for r in ordered),
        fees=sum(r.fees for r in ordered),
    )
    return ordered, totals


# -- exports --------------------------------------------------------------------------------


def _keyset(qs: QuerySet[Any], keys: Sequence[str], size: int) -> Iterator[Any]:
    """Every row of ``qs`` in ``keys`` order (ascending, the last key unique), one query of
    ``size`` rows at a time, each starting after the previous page's last key."""
    last: list[Any] | None = None
    while True:
        page = qs
        if last is not None:
            after = Q(**{f"{keys[-1]}__gt": last[-1]})
            for i in range(len(keys) - 2, -1, -1):
                after = Q(**{f"{keys[i]}__gt": last[i]}) | (Q(**{keys[i]: last[i]}) & after)
            # the first key also bounds the index range
            page = page.filter(Q(**{f"{keys[0]}__gte": last[0]}) & after)
        rows = list(page.order_by(*keys)[:size])
        yield from rows
        if len(rows) < size:
            return
        last_row = rows[-1]
        last = [last_row[k] if isinstance(last_row, dict) else getattr(last_row, k) for k in keys]


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone."""
    return (
        timezone.make_aware(datetime.combine(start, time.min)),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
    )


# What sales and refund receipts share (the abstract Receipt), as the exports write it.
RECEIPT_FIELDS = (
    "customer_name",
    "customer_email",
    "description",
    "line_description",
    "payment_method",
    "currency",
    "amount",
)
SALES_FIELDS = (
    "number",
    "date",
    *RECEIPT_FIELDS,
    "payment__fee",
    "refunded",
    "payment__public_id",
    "public_id",
)
REFUND_FIELDS = (
    "number",
    "date",
    "sales_receipt__number",
    *RECEIPT_FIELDS,
    "refund__payment__public_id",
    "public_id",
)
PAYMENT_FIELDS = (
    "created_at",
    "id",
    "public_id",
    "status",
    "method",
    "card_brand",
    "card_last4",
    "bank_last4",
    "payer_name",
    "payer_email",
    "currency",
    "amount",
    "fee",
    "refunded",
    "settled_at",
    "receipt__number",
    "payout__public_id",
    "link__public_id",
)


def _refunded(payment: str) -> Case:
    """What the processor has given back on the payment (``payment`` names it from the
    row): its succeeded refunds, never one still pending, which may yet fail.
    ``amount_refunded`` also holds pending ones; where it is 0 (most rows) nothing more
    is read."""
    done = (
        Refund.objects.filter(payment=OuterRef(payment), status=Refund.Status.SUCCEEDED)
        .order_by()
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    held = "amount_refunded" if payment == "pk" else f"{payment}__amount_refunded"
    return Case(
        When(**{held: 0}, then=Value(0)),
        default=Coalesce(Subquery(done), Value(0)),
        output_field=BigIntegerField(),
    )


def export_sales_receipts(
    *, merchant: Merchant, start: date, end: date, size: int = EXPORT_PAGE
) -> Iterator[dict[str, Any]]:
    qs = SalesReceipt.objects.filter(merchant=merchant, date__gte=start, date__lte=end)
    qs = qs.annotate(refunded=_refunded("payment"))
    return _keyset(qs.values(*SALES_FIELDS), ("date", "number"), size)


def export_refund_receipts(
    *, merchant: Merchant, start: date, end: date, size: int = EXPORT_PAGE
) -> Iterator[dict[str, Any]]:
    qs = RefundReceipt.objects.filter(merchant=merchant, date__gte=start, date__lte=end)
    return _keyset(qs.values(*REFUND_FIELDS), ("date", "number"), size)


def export_payments(
    *, merchant: Merchant, start: date, end: date, size: int = EXPORT_PAGE
) -> Iterator[dict[str, Any]]:
    """Payments made (``created_at``) from ``start`` to ``end``, any status."""
    since, until = _day_bounds(start, end)
    qs = Payment.objects.filter(merchant=merchant, created_at__gte=since, created_at__lt=until)
    qs = qs.annotate(refunded=_refunded("pk"))
    return _keyset(qs.values(*PAYMENT_FIELDS), ("created_at", "id"), size)
