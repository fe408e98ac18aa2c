from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from paylinks.core.models import WorkerHeartbeat
from paylinks.merchants.models import Merchant
from paylinks.webhooks.models import Delivery, Event, WebhookEndpoint


def endpoint_list(*, merchant: Merchant) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(merchant=merchant).order_by("-created_at", "-id")


def endpoint_get(*, merchant: Merchant, public_id: str) -> WebhookEndpoint:
    return WebhookEndpoint.objects.get(merchant=merchant, public_id=public_id)


def event_list(*, merchant: Merchant, type: str | None = None) -> QuerySet[Event]:  # noqa: A002
    qs = Event.objects.filter(merchant=merchant)
    return qs.filter(type=type) if type else qs


def event_get(*, merchant: Merchant, public_id: str) -> Event:
    return Event.objects.get(merchant=merchant, public_id=public_id)


def delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[Delivery]:
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-id")


def delivery_get(*, merchant: Merchant, public_id: str) -> Delivery:
    return Delivery.objects.select_related("event", "endpoint").get(
        endpoint__merchant=merchant, public_id=public_id
    )


def worker_alive(*, worker_id: str) -> bool:
    """Whether the task worker ``worker_id`` beat within its lease (as the task queue's own
    leases judge it: see paylinks.core.worker)."""
    since = timezone.now() - timedelta(seconds=settings.WORKER_LEASE_SECONDS)
    return WorkerHeartbeat.objects.filter(worker_id=worker_id, last_seen__gte=since).exists()
