"""Reads of payment links that carry rules (statuses, counts, filters)."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from paylinks.core.prepared import PreparedGet
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant

SUCCEEDED = "succeeded"
PENDING = "pending"


def link_is_used(*, link: PaymentLink) -> bool:
    """Used = a payment was made or is pending through it, or a customer is paying now
    (an attempt is with the processor: its amount must not change under it)."""
    return (
        link.payments.filter(status__in=[SUCCEEDED, PENDING]).exists()
        or link.attempts.filter(outcome="processing").exists()
    )


def status_filter(status: str) -> Q:
    """The database form of PaymentLink.status."""
    today = timezone.localdate()
    not_expired = Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    open_ = Q(is_active=True, state=PaymentLink.State.OPEN)
    return {
        "active": open_ & not_expired,
        "expired": open_ & ~not_expired,
        "deactivated": Q(is_active=False),
        "processing": Q(is_active=True, state=PaymentLink.State.PROCESSING),
        "paid": Q(is_active=True, state=PaymentLink.State.PAID),
        "limit_reached": Q(is_active=True, state=PaymentLink.State.LIMIT_REACHED),
    }.get(status, Q())


LIST_KEYS = ("created_at", "id")  # the lists' order, newest first (keyset pagination)


def link_list(*, merchant: Merchant, status: str = "", kind: str = "") -> QuerySet[PaymentLink]:
    """A merchant's links, newest first; the totals are columns of the link (no join)."""
    qs = PaymentLink.objects.filter(merchant=merchant)
    if status:
        qs = qs.filter(status_filter(status))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")


def link_get(*, merchant: Merchant, public_id: str) -> PaymentLink:
    """A merchant's own link; another merchant's answers DoesNotExist, like a missing one."""
    return PaymentLink.objects.filter(merchant=merchant).get(public_id=public_id)


# Every checkout request starts here: compiled once (core/prepared.py).
_BY_TOKEN = PreparedGet(
    lambda token: PaymentLink.objects.select_related("merchant__payments_account").filter(
        token=token
    )
)


def link_by_token(*, token: str) -> PaymentLink:
    """The link behind a hosted page's URL, with its merchant and payments account."""
    return _BY_TOKEN.get(token)
