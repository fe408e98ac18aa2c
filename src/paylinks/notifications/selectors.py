from django.db.models import QuerySet

from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.notifications.models import LinkMessage, SmsConsent


def sms_consent_active(*, merchant: Merchant, phone: str) -> SmsConsent | None:
    """The consent in force for this E.164 number, if any (the latest not revoked)."""
    return (
        SmsConsent.objects.filter(merchant=merchant, phone=phone, revoked_at__isnull=True)
        .order_by("-recorded_at", "-id")
        .first()
    )


def link_messages(*, link: PaymentLink, limit: int = 50) -> QuerySet[LinkMessage]:
    """The link's sending and reminder history, newest first (bounded)."""
    return LinkMessage.objects.filter(link=link).order_by("-created_at", "-id")[:limit]
