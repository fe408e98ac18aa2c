from django.db.models import QuerySet

from paylinks.merchants.models import AuditEvent, Merchant


def audit_events(*, merchant: Merchant) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(merchant=merchant).order_by("-created_at", "-id")
