"""Events (an outbox written in the caller's transaction), endpoints, and delivery."""

import base64
import json
import random
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks import Webhook

from paylinks.core.prepared import INT_MARK, PreparedValues
from paylinks.merchants.models import Merchant
from paylinks.webhooks import http
from paylinks.webhooks.models import (
    Delivery,
    DeliveryAttempt,
    Event,
    WebhookEndpoint,
    subscribed,
)

EVENT_TYPES = (
    "payment_link.created",
    "payment_link.updated",
    "payment_link.deactivated",
    "payment_link.activated",
    "payment_link.paid",
    "payment.succeeded",
    "payment.pending",
    "payment.failed",
    "payment_attempt.failed",
    "sales_receipt.created",
    "refund.created",
    "refund.succeeded",
    "refund.failed",
    "refund_receipt.created",
    "payment_account.approved",
    "payment_account.rejected",
)
# Standard Webhooks' example schedule: the delay before attempt 2, 3, … 10 (about 3 days).
SCHEDULE = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
JITTER = 0.2  # each delay is stretched or shrunk by up to 20 %
LEASE = timedelta(minutes=2)  # a worker holds a delivery this long while posting it, at least


def _lease() -> timedelta:
    """Longer than an attempt can last (its deadline is WEBHOOK_TIMEOUT_SECONDS), so a live
    worker's lease never runs out under it."""
    return max(LEASE, timedelta(seconds=2 * settings.WEBHOOK_TIMEOUT_SECONDS))


def _livemode() -> bool:
    return settings.PROCESSOR != "sandbox"


# Who receives a merchant's events: only what decides it, in a query compiled once (every
# payment records two events; most merchants have no endpoint: a small query finds none).
_ENDPOINTS = PreparedValues(
    lambda merchant_id: WebhookEndpoint.objects.filter(
        merchant_id=merchant_id, is_active=True
    ).values_list("pk", "enabled_events"),
    marks=(INT_MARK,),
)


def event_record(*, merchant: Merchant, type: str, obj: Model) -> Event:  # noqa: A002
    """Record an event and queue its deliveries, in the caller's transaction (so a change
    that rolls back sends nothing, and one that commits loses nothing)."""
    from paylinks.api.objects import to_object
    from paylinks.webhooks import tasks

    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    now = timezone.now()
    # The caller's transaction when there is one (no savepoint: nothing here is retried).
    with transaction.atomic(savepoint=False):
        event = Event.objects.create(
            merchant=merchant,
            type=type,
            data={"object": json.loads(json.dumps(to_object(obj), cls=DjangoJSONEncoder))},
            livemode=_livemode(),
        )
        for endpoint_id, enabled in _ENDPOINTS.all(merchant.pk):
            if subscribed(enabled, type):
                delivery = Delivery.objects.create(
                    endpoint_id=endpoint_id, event=event, next_attempt_at=now
                )
                tasks.deliver_webhook.enqueue(delivery_id=delivery.pk)
    return event


def event_payload(event: Event) -> bytes:
    """The body posted for an event: the same bytes on every attempt."""
    return json.dumps(
        {
            "id": event.public_id,
            "object": "event",
            "type": event.type,
            "created": int(event.created_at.timestamp()),
            "livemode": event.livemode,
            "data": event.data,
        },
        separators=(",", ":"),
    ).encode()


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _clean_endpoint(url: str, description: str, enabled_events: list[str]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    url = url.strip()
    try:
        http.check_url(url)
    except http.UnsafeUrl as e:
        errors["url"] = str(e)
    if len(url) > 2000:
        errors["url"] = _("The URL is too long.")
    unknown = [t for t in enabled_events if t != "*" and t not in EVENT_TYPES]
    if unknown or not enabled_events:
        errors["enabled_events"] = _("Choose event types from the list (or * for all).")
    if len(description) > 200:
        errors["description"] = _("The description is too long (200 characters at most).")
    if errors:
        raise ValidationError(errors)
    return {
        "url": url,
        "description": description.strip(),
        "enabled_events": sorted(set(enabled_events)),
    }


def endpoint_create(
    *, merchant: Merchant, url: str, enabled_events: list[str], description: str = ""
) -> WebhookEndpoint:
    fields = _clean_endpoint(url, description, enabled_events)
    return WebhookEndpoint.objects.create(merchant=merchant, secret=new_secret(), **fields)


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    enabled_events: list[str] | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> WebhookEndpoint:
    fields = _clean_endpoint(
        endpoint.url if url is None else url,
        endpoint.description if description is None else description,
        endpoint.enabled_events if enabled_events is None else enabled_events,
    )
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if active is not None and active != endpoint.is_active:
        endpoint.is_active = active
        endpoint.disabled_reason = "" if active else _("Disabled by the merchant.")
        endpoint.failing_since = None
    endpoint.save()
    return endpoint


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


# How long the old secret may keep signing after a rotation (Stripe's longest is 7 days).
ROTATION_GRACE_MAX = timedelta(days=7)
ROTATION_GRACE_DEFAULT = timedelta(hours=24)


def endpoint_rotate_secret(
    *, endpoint: WebhookEndpoint, grace: timedelta = ROTATION_GRACE_DEFAULT
) -> WebhookEndpoint:
    """A new secret for the endpoint. The old one keeps signing every delivery beside the
    new one for ``grace`` (0: not at all), so the receiver can switch when it likes; an
    earlier rotation's old secret stops at once."""
    if not timedelta(0) <= grace <= ROTATION_GRACE_MAX:
        raise ValidationError(
            {"expires_in": _("The old secret can keep working for 7 days at most.")}
        )
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        if grace:
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = timezone.now() + grace
        else:
            endpoint.previous_secret, endpoint.previous_secret_expires_at = "", None
        endpoint.secret = new_secret()
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    return endpoint


def _next_delay(attempts: int) -> timedelta | None:
    """The delay after ``attempts`` failed attempts, or None when they are all spent."""
    if attempts > len(SCHEDULE):
        return None
    base = SCHEDULE[attempts - 1]
    return base * (1 + random.uniform(-JITTER, JITTER))  # noqa: S311 (jitter, not secrecy)


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    from paylinks.webhooks import tasks

    updated = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_active=True).update(
        is_active=False, disabled_reason=reason, updated_at=timezone.now()
    )
    if updated:
        tasks.send_endpoint_disabled_email.enqueue(endpoint_id=endpoint.pk)


def _lease_abandoned(delivery: Delivery, worker_id: str) -> bool:
    """The worker that took the delivery's lease is gone (killed mid-post): its lease need
    not run out. This same worker holding it means its own earlier run was cut short."""
    from paylinks.webhooks import selectors

    holder = delivery.leased_by
    if not holder:
        return False  # taken outside a worker: only the time lease tells
    return holder == worker_id or not selectors.worker_alive(worker_id=holder)


def signature_header(*, endpoint: WebhookEndpoint, msg_id: str, at: datetime, body: bytes) -> str:
    """``webhook-signature``: signed with the secret, and also with the previous one while
    a rotation's grace period lasts (space-separated, as Standard Webhooks allows)."""
    signatures = [Webhook(endpoint.secret).sign(msg_id, at, body.decode())]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > at:
        signatures.append(Webhook(endpoint.previous_secret).sign(msg_id, at, body.decode()))
    return " ".join(signatures)


def delivery_attempt(*, delivery_id: int, worker_id: str = "") -> Delivery | None:
    """Post a due delivery once and record the attempt; schedule the next on failure.

    A worker first takes a lease (pushes ``next_attempt_at`` forward and names itself in
    ``leased_by``), so two workers holding the same task post once. A worker that dies
    mid-post leaves its task to run again (the queue's own leases); that run takes the
    delivery over as soon as the dead worker's heartbeat has lapsed."""
    from paylinks.webhooks import tasks

    now = timezone.now()
    delivery = Delivery.objects.select_related("event", "endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return delivery
    due = delivery.next_attempt_at
    if due is None:
        return delivery
    if due > now and not _lease_abandoned(delivery, worker_id):
        # Early: a duplicate task, or a retry not yet due, or a live worker posting it.
        # Come back when the lease or retry is due (at worst a second, idle chain of
        # tasks that ends with the delivery).
        tasks.deliver_webhook.using(run_after=due).enqueue(delivery_id=delivery.pk)
        return delivery
    taken = Delivery.objects.filter(
        pk=delivery.pk,
        status=Delivery.Status.PENDING,
        next_attempt_at=due,
        leased_by=delivery.leased_by,
    ).update(next_attempt_at=now + _lease(), leased_by=worker_id)
    if not taken:
        return delivery
    endpoint, event = delivery.endpoint, delivery.event
    if not endpoint.is_active:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, next_attempt_at=None, leased_by=""
        )
        return delivery
    body = event_payload(event)
    result = http.post(
        endpoint.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": "paylinks-webhooks/1",
            "webhook-id": event.public_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature_header(
                endpoint=endpoint, msg_id=event.public_id, at=now, body=body
            ),
        },
    )
    return _record(delivery, endpoint, result)


def _record(delivery: Delivery, endpoint: WebhookEndpoint, result: http.Result) -> Delivery:
    from paylinks.webhooks import tasks

    now = timezone.now()
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            status_code=result.status_code,
            response_excerpt=result.excerpt,
            error=result.error,
            duration_ms=result.duration_ms,
        )
        delivery.attempts = delivery.log.count()
        code = result.status_code or 0
        if 200 <= code < 300:
            delivery.status, delivery.next_attempt_at = Delivery.Status.SUCCEEDED, None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=None)
        elif code == 410:
            delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            _disable(endpoint, _("The endpoint answered 410 Gone."))
        else:
            WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
                failing_since=now
            )
            endpoint.refresh_from_db(fields=["failing_since"])
            since = endpoint.failing_since or now
            if now - since >= timedelta(seconds=settings.WEBHOOK_DISABLE_AFTER_SECONDS):
                _disable(endpoint, _("Every delivery failed for too long."))
            delay = _next_delay(delivery.attempts)
            if delay is None:
                delivery.status, delivery.next_attempt_at = Delivery.Status.FAILED, None
            else:
                delivery.next_attempt_at = now + delay
                tasks.deliver_webhook.using(run_after=delivery.next_attempt_at).enqueue(
                    delivery_id=delivery.pk
                )
        delivery.leased_by = ""
        delivery.save(update_fields=["attempts", "status", "next_attempt_at", "leased_by"])
    return delivery


def delivery_resend(*, delivery: Delivery) -> Delivery:
    """The merchant sends a delivery again now (a new series of attempts)."""
    from paylinks.webhooks import tasks

    with transaction.atomic():
        delivery.status = Delivery.Status.PENDING
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["status", "next_attempt_at"])
        tasks.deliver_webhook.enqueue(delivery_id=delivery.pk)
    return delivery


def deliveries_resume(*, overdue: timedelta = timedelta(minutes=10)) -> int:
    """Queue again the deliveries whose worker died (lease long expired); idempotent."""
    from paylinks.webhooks import tasks

    stale = Delivery.objects.filter(
        status=Delivery.Status.PENDING, next_attempt_at__lt=timezone.now() - overdue
    ).values_list("pk", flat=True)
    count = 0
    for pk in stale:
        tasks.deliver_webhook.enqueue(delivery_id=pk)
        count += 1
    return count
