from django.db.models import QuerySet

from paylinks.merchants.models import AuditEvent, Merchant, MerchantLogo


def audit_events(*, merchant: Merchant) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(merchant=merchant).order_by("-created_at", "-id")


def merchant_logo(*, public_id: str, version: str) -> MerchantLogo:
    """The logo a merchant has now, if ``version`` names it; raises MerchantLogo.DoesNotExist."""
    return MerchantLogo.objects.get(merchant__public_id=public_id, merchant__logo_version=version)


def merchant_by_public_id(*, public_id: str) -> Merchant:
    return Merchant.objects.get(public_id=public_id)
