"""The dashboard home: what came in, what failed, what needs the merchant's attention.
Every query is bounded: 30 daily rows, two counts, at most ATTENTION_LIMIT links (and the
card-testing check of at most ATTENTION_LIMIT links with recent failures)."""

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


def _paused(merchant: Merchant) -> list[PaymentLink]:
    """Links that customers cannot pay now because the card-testing limits paused them:
    among the few links with failures in the window, those a limit stops."""
    from django.conf import settings

    from paylinks.checkout.services import link_velocity_status

    since = timezone.now() - timedelta(seconds=settings.VELOCITY_WINDOW_SECONDS)
    failing = (
        Attempt.objects.filter(
            merchant=merchant, outcome=Attempt.Outcome.FAILED, created_at__gte=since
        )
        .order_by()
        .values_list("link_id", flat=True)
        .distinct()[:ATTENTION_LIMIT]
    )
    candidates = PaymentLink.objects.filter(
        pk__in=list(failing), is_active=True, state=PaymentLink.State.OPEN
    ).order_by("-created_at")
    return [link for link in candidates if link_velocity_status(link=link)]


def _attention(merchant: Merchant, today: date) -> list[tuple[PaymentLink, str]]:
    """What stops or will soon stop customers from paying, most urgent first: links paused
    by the card-testing limits; open links that expire within a week or have taken 80 %
    of their cap; links the merchant deactivated in the last 30 days while still unpaid
    (customers who have them see "not accepting payments")."""
    out: list[tuple[PaymentLink, str]] = [(link, "paused") for link in _paused(merchant)]
    seen = {link.pk for link, _why in out}
    links = (
        PaymentLink.objects.filter(merchant=merchant, is_active=True, state=PaymentLink.State.OPEN)
        .exclude(pk__in=seen)
        .annotate(paid_count=Count("payments", filter=Q(payments__status=Payment.Status.SUCCEEDED)))
        .filter(
            Q(expires_on__gte=today, expires_on__lte=today + timedelta(days=EXPIRING_WITHIN_DAYS))
            | Q(max_payments__isnull=False, paid_count__gte=F("max_payments") * NEAR_CAP_SHARE)
        )
        .order_by(F("expires_on").asc(nulls_last=True), "-created_at")[:ATTENTION_LIMIT]
    )
    for link in links:
        if link.expires_on is not None and link.expires_on <= today + timedelta(
            days=EXPIRING_WITHIN_DAYS
        ):
            out.append((link, "expiring"))
        else:
            out.append((link, "near_cap"))
    room = ATTENTION_LIMIT - len(out)
    if room > 0:
        recently = timezone.now() - timedelta(days=DAYS)
        deactivated = (
            PaymentLink.objects.filter(
                merchant=merchant,
                is_active=False,
                state=PaymentLink.State.OPEN,
                updated_at__gte=recently,
            )
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
            .order_by("-updated_at")[:room]
        )
        out += [(link, "deactivated") for link in deactivated]
    return out[:ATTENTION_LIMIT]


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
