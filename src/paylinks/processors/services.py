"""Processor webhooks: verified on the raw body, stored once (an inbox), processed by a task.

A duplicated delivery finds its event already stored and changes nothing; an out-of-order
one changes nothing either, because processing asks the processor for the payment's
current state (``attempt_refresh``) instead of trusting the event's copy.
"""

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from paylinks.merchants.models import PaymentsAccount
from paylinks.processors.base import get_processor
from paylinks.processors.models import InboundEvent

log = logging.getLogger(__name__)

PAYMENT_EVENTS = {"payment_intent.succeeded", "payment_intent.payment_failed"}
# A payment's refunds changed (made by paylinks, or in the processor's own dashboard).
REFUND_EVENTS = {
    "charge.refunded",
    "charge.refund.updated",
    "refund.created",
    "refund.updated",
    "refund.failed",
}


# Processing that meets the processor unreachable is tried again after 1, 2, 4... minutes,
# at most an hour apart, until the processor answers.
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 3600
UNAVAILABLE = "processor_unavailable"


class UnknownAccount(Exception):
    pass


def inbound_event_receive(
    *, account_public_id: str, processor_name: str, body: bytes, headers: dict[str, str]
) -> bool:
    """Verify and store a webhook; True if it was new. Raises ValueError if forged."""
    from paylinks.processors.tasks import process_inbound_event

    account = (
        PaymentsAccount.objects.select_related("merchant")
        .filter(public_id=account_public_id)
        .first()
    )
    if account is None:
        raise UnknownAccount(account_public_id)
    processor = get_processor(account.merchant)
    if processor.name != processor_name:
        raise UnknownAccount(account_public_id)
    event = processor.parse_webhook(body=body, headers=headers)
    try:
        with transaction.atomic():
            stored = InboundEvent.objects.create(
                processor=processor_name,
                event_id=event.id,
                type=event.type,
                reference=event.reference,
                merchant=account.merchant,
                payload=event.data,
            )
            process_inbound_event.enqueue(event_pk=stored.pk)
    except IntegrityError:
        return False  # delivered before: stored once, processed once
    return True


def _refunds_sync(event: InboundEvent) -> str:
    """Book the payment's refunds as the processor has them now (never the event's copy):
    ours are recorded, those made in the processor's dashboard booked, each once."""
    from paylinks.processors.base import ProcessorError
    from paylinks.receipts.refunds import refund_book_from_processor

    try:
        found = get_processor(event.merchant).list_refunds(reference=event.reference)
    except ProcessorError:
        log.error("processor unavailable listing the refunds of %s", event.reference)
        return UNAVAILABLE
    booked = [refund_book_from_processor(merchant=event.merchant, result=r) for r in found]
    return f"refunds_{sum(1 for r in booked if r is not None)}"


def inbound_event_process(*, event: InboundEvent) -> InboundEvent:
    """Apply a stored event once (a task that runs again finds it processed)."""
    from paylinks.checkout.models import Attempt
    from paylinks.checkout.services import attempt_refresh

    if event.processed_at is not None:
        return event
    result = "ignored"
    if event.type in PAYMENT_EVENTS and event.reference:
        attempt = (
            Attempt.objects.select_related("merchant__payments_account", "link")
            .filter(merchant=event.merchant, processor_ref=event.reference)
            .first()
        )
        if attempt is None:
            result = "unknown_payment"
        else:
            attempt = attempt_refresh(attempt=attempt)
            result = f"attempt_{attempt.outcome}"
    elif event.type in REFUND_EVENTS and event.reference:
        result = _refunds_sync(event)
    elif event.type == "charge.dispute.created":
        # Recorded for the merchant's books; disputes are not booked yet: logged so an
        # operator sees them.
        log.warning("%s for %s: recorded, not booked yet", event.type, event.reference)
        result = "recorded"
    if result == UNAVAILABLE:
        # Not processed: tried again later, with backoff (the periodic pass), as many
        # times as it takes; booking refunds is idempotent, so a second run changes nothing.
        failures = event.failures + 1
        delay = min(RETRY_FIRST_SECONDS * 2 ** min(failures - 1, 16), RETRY_MAX_SECONDS)
        InboundEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            result=result, failures=failures, retry_at=timezone.now() + timedelta(seconds=delay)
        )
    else:
        InboundEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
            processed_at=timezone.now(), result=result, retry_at=None
        )
    event.refresh_from_db()
    return event


def inbound_events_retry_due(*, limit: int = 500) -> int:
    """Process again the stored events whose processing met the processor unreachable and
    whose next try is due (the worker's periodic pass); the number tried."""
    due = InboundEvent.objects.filter(
        processed_at__isnull=True, retry_at__isnull=False, retry_at__lte=timezone.now()
    ).select_related("merchant")
    tried = 0
    for event in due.order_by("retry_at")[:limit]:
        inbound_event_process(event=event)
        tried += 1
    return tried
