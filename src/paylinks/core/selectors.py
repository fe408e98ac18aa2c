"""The dashboard home: what came in, what failed, what needs the merchant's attention.
Every query is bounded: 30 daily rows, two counts, at most ATTENTION_LIMIT links."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from paylinks.checkout.models import Attempt, Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant

DAYS = 30
ATTENTION_LIMIT = 10
EXPIRING_WITHIN_DAYS = 7
NEAR_CAP_SHARE = 0.8


@dataclass
class DashboardSummary:
    currency: str
    days: list[tuple[date, int]]  # the last 30 days, oldest first: (day, minor units)
    today: int = 0
    week: int = 0
    month: int = 0
    payments: int = 0  # succeeded, last 30 days
    failed_attempts: int = 0  # last 30 days
    attention: list[tuple[PaymentLink, str]] = field(default_factory=list)


def dashboard_summary(*, merchant: Merchant) -> DashboardSummary:
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    first = today - timedelta(days=DAYS - 1)
    since = timezone.make_aware(datetime.combine(first, time.min), tz)
    paid = Payment.objects.filter(
        merchant=merchant, currency=merchant.currency, status=Payment.Status.SUCCEEDED
    ).annotate(when=Coalesce("settled_at", "created_at"))
    rows = (
        paid.filter(when__gte=since)
        .annotate(day=TruncDate("when", tzinfo=tz))
        .values("day")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("day")
    )
    by_day = {row["day"]: (row["total"] or 0, row["n"]) for row in rows}
    days = [
        (first + timedelta(days=i), by_day.get(first + timedelta(days=i), (0, 0))[0])
        for i in range(DAYS)
    ]
    summary = DashboardSummary(currency=merchant.currency, days=days)
    summary.today = days[-1][1]
    summary.week = sum(amount for _, amount in days[-7:])
    summary.month = sum(amount for _, amount in days)
    summary.payments = sum(n for _, n in by_day.values())
    summary.failed_attempts = Attempt.objects.filter(
        merchant=merchant, outcome=Attempt.Outcome.FAILED, created_at__gte=since
    ).count()
    summary.attention = _attention(merchant, today)
    return summary


def _attention(merchant: Merchant, today: date) -> list[tuple[PaymentLink, str]]:
    """Open, active links that expire within a week or have taken 80 % of their cap."""
    links = (
        PaymentLink.objects.filter(merchant=merchant, is_active=True, state=PaymentLink.State.OPEN)
        .annotate(paid_count=Count("payments", filter=Q(payments__status=Payment.Status.SUCCEEDED)))
        .filter(
            Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS))
            | Q(max_payments__isnull=False, paid_count__gte=F("max_payments") * NEAR_CAP_SHARE)
        )
        .order_by(F("expires_on").asc(nulls_last=True), "-created_at")[:ATTENTION_LIMIT]
    )
    out: list[tuple[PaymentLink, str]] = []
    for link in links:
        if link.expires_on is not None and link.expires_on <= today + timedelta(
            days=EXPIRING_WITHIN_DAYS
        ):
            out.append((link, "expiring"))
        else:
            out.append((link, "near_cap"))
    return out


def chart_bars(days: list[tuple[date, int]], *, width: int = 600, height: int = 120) -> list[dict]:
    """Bar geometry for the server-rendered SVG chart (no JavaScript)."""
    top = max((amount for _, amount in days), default=0) or 1
    step = width / max(len(days), 1)
    bars = []
    for i, (day, amount) in enumerate(days):
        h = round(amount / top * (height - 4)) if amount else 0
        bars.append(
            {
                "x": round(i * step + 1, 1),
                "y": height - h,
                "w": round(step - 2, 1),
                "h": h,
                "day": day,
                "amount": amount,
            }
        )
    return bars
