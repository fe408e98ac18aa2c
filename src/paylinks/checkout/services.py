"""Paying a link: attempts, payments, settlement. Exactly once, whatever happens.

The order is that of the most trusted payment APIs:
1. under a lock on the link, check it can be paid and write the attempt ("processing");
2. call the processor with an idempotency key derived from the attempt (no lock held);
3. under the lock again, record the result: payment, sales receipt, emails.
A crash between 2 and 3 leaves the attempt "processing"; asking the processor for
the key's outcome finishes it (``attempt_record_result`` is idempotent).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from paylinks.checkout import velocity
from paylinks.checkout.models import Attempt, Method, Payment
from paylinks.checkout.tasks import settle_payment
from paylinks.core.faults import crash_point
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import AuditEvent
from paylinks.merchants.services import audit_record
from paylinks.notifications.services import (
    payment_notify_failed,
    payment_notify_received,
    payment_notify_settled,
)
from paylinks.processors.base import BankDetails, CardDetails, ChargeResult, get_processor
from paylinks.processors.sandbox import card_brand
from paylinks.receipts.services import receipt_create

log = logging.getLogger(__name__)


class PaymentRefused(Exception):
    """The link cannot take this payment now; ``code`` is stable, ``message`` for people."""

    MESSAGES = {
        "inactive": _("This payment link is not accepting payments."),
        "method_not_allowed": _("This payment method is not offered for this link."),
        "in_progress": _("A payment for this link is already being processed."),
        "processor_unavailable": _("The payment could not be processed. Try again."),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(str(self.MESSAGES[code]))


@dataclass(frozen=True)
class Delivery:
    line1: str
    city: str
    region: str
    postal_code: str
    country: str


DELIVERY_FIELDS = (
    "delivery_line1",
    "delivery_city",
    "delivery_region",
    "delivery_postal_code",
    "delivery_country",
)


def _delivery_fields(delivery: Delivery | None) -> dict[str, str]:
    if delivery is None:
        return {}
    return {
        "delivery_line1": delivery.line1.strip(),
        "delivery_city": delivery.city.strip(),
        "delivery_region": delivery.region.strip(),
        "delivery_postal_code": delivery.postal_code.strip(),
        "delivery_country": delivery.country.strip().upper(),
    }


def _lock_link(link_pk: int) -> PaymentLink:
    return PaymentLink.objects.select_for_update().select_related("merchant").get(pk=link_pk)


def _holds(link: PaymentLink) -> int:
    """Payments made or under way that count against a link's limit."""
    paid_or_pending = link.payments.filter(
        status__in=[Payment.Status.SUCCEEDED, Payment.Status.PENDING]
    ).count()
    in_flight = link.attempts.filter(outcome=Attempt.Outcome.PROCESSING).count()
    return paid_or_pending + in_flight


def link_pay(
    *,
    link: PaymentLink,
    method: str,
    payer_name: str,
    payer_email: str,
    payer_language: str,
    card: CardDetails | None = None,
    bank: BankDetails | None = None,
    delivery: Delivery | None = None,
    client_ip: str | None = None,
) -> Attempt:
    """Try to pay ``link``; returns the finished attempt. Raises PaymentRefused."""
    processor = get_processor()
    with transaction.atomic():
        locked = _lock_link(link.pk)
        if not (locked.accepts_payments and locked.merchant.can_take_payments):
            raise PaymentRefused("inactive")
        if method not in locked.methods:
            raise PaymentRefused("method_not_allowed")
        limit = 1 if locked.kind == PaymentLink.Kind.SINGLE else locked.max_payments
        if limit is not None and _holds(locked) >= limit:
            raise PaymentRefused("in_progress")
        attempt = Attempt.objects.create(
            link=locked,
            merchant=locked.merchant,
            method=method,
            payer_name=payer_name.strip(),
            payer_email=payer_email.strip(),
            payer_language=payer_language,
            amount=locked.amount,
            currency=locked.currency,
            processor=processor.name,
            client_ip=client_ip,
            card_last4=card.number[-4:] if card else "",
            card_brand=card_brand(card.number) if card and card.number.isdigit() else "",
            bank_last4=bank.account_number[-4:] if bank else "",
            card_fingerprint=velocity.card_fingerprint(card.number) if card else "",
            **_delivery_fields(delivery if locked.collect_delivery else None),
        )
        blocked = velocity.tripped(_limit_keys(attempt))
        if blocked:
            # Recorded for the merchant's issues page; the processor is not called.
            log.warning("velocity limit (%s) stops %s", blocked, attempt.public_id)
            attempt.outcome = Attempt.Outcome.FAILED
            attempt.failure_code = "velocity_limited"
            attempt.completed_at = timezone.now()
            attempt.save(update_fields=["outcome", "failure_code", "completed_at"])
            return attempt
    try:
        if method == Method.CARD:
            assert card is not None
            result = processor.charge_card(
                amount=attempt.amount,
                currency=attempt.currency,
                card=card,
                idempotency_key=attempt.idempotency_key,
            )
        else:
            assert bank is not None
            result = processor.start_bank_transfer(
                amount=attempt.amount,
                currency=attempt.currency,
                bank=bank,
                idempotency_key=attempt.idempotency_key,
            )
    except Exception as exc:
        # The attempt stays "processing": reconciliation asks the processor later.
        log.exception("processor call failed for %s", attempt.public_id)
        raise PaymentRefused("processor_unavailable") from exc
    crash_point("after_charge")
    return attempt_record_result(attempt=attempt, result=result)


def _refresh_link_state(link: PaymentLink) -> None:
    """Derive the link's state from its payments (the link row is locked by the caller)."""
    counted = link.payments.filter(status__in=[Payment.Status.SUCCEEDED, Payment.Status.PENDING])
    if link.kind == PaymentLink.Kind.SINGLE:
        if counted.filter(status=Payment.Status.SUCCEEDED).exists():
            state = PaymentLink.State.PAID
        elif counted.exists():
            state = PaymentLink.State.PROCESSING
        else:
            state = PaymentLink.State.OPEN
    elif link.max_payments is not None and counted.count() >= link.max_payments:
        state = PaymentLink.State.LIMIT_REACHED
    else:
        state = PaymentLink.State.OPEN
    if state != link.state:
        link.state = state
        link.save(update_fields=["state", "updated_at"])


def _limit_keys(attempt: Attempt) -> dict[str, str]:
    return velocity.keys(
        link_id=attempt.link_id,
        merchant_id=attempt.merchant_id,
        client_ip=attempt.client_ip,
        fingerprint=attempt.card_fingerprint,
    )


def _link_keys(link: PaymentLink) -> dict[str, str]:
    """The keys every payment on this link counts against, whoever pays."""
    return velocity.keys(
        link_id=link.pk, merchant_id=link.merchant_id, client_ip=None, fingerprint=""
    )


def link_velocity_status(*, link: PaymentLink) -> str:
    """Which failed-attempt limit stops payments on this link now ('' if none)."""
    return velocity.tripped(_link_keys(link))


def link_velocity_lift(*, link: PaymentLink) -> None:
    """The merchant lifts the card-testing pause on a link: its counts, its merchant's, and
    those of the IPs and cards that failed on it in the window start again from zero."""
    since = timezone.now() - timedelta(seconds=settings.VELOCITY_WINDOW_SECONDS)
    failed = link.attempts.filter(outcome=Attempt.Outcome.FAILED, created_at__gte=since)
    found = set(_link_keys(link).values())
    for attempt in failed.only("link_id", "merchant_id", "client_ip", "card_fingerprint"):
        found.update(_limit_keys(attempt).values())
    velocity.clear(sorted(found))
    audit_record(
        merchant=link.merchant, action=AuditEvent.Action.LINK_PAUSE_LIFTED, target=link.public_id
    )


def attempt_record_result(*, attempt: Attempt, result: ChargeResult) -> Attempt:
    """Record what the processor answered for an attempt. Idempotent: a finished attempt
    is returned as it is, so recovery and a late answer can both call it."""
    with transaction.atomic():
        link = _lock_link(attempt.link_id)
        attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if attempt.outcome != Attempt.Outcome.PROCESSING:
            return attempt
        attempt.processor_ref = result.reference
        attempt.failure_code = result.failure_code
        attempt.card_brand = result.card_brand or attempt.card_brand
        attempt.card_last4 = result.card_last4 or attempt.card_last4
        attempt.card_exp_month = result.card_exp_month
        attempt.card_exp_year = result.card_exp_year
        attempt.bank_last4 = result.bank_last4 or attempt.bank_last4
        attempt.completed_at = timezone.now()
        attempt.outcome = {
            "succeeded": Attempt.Outcome.SUCCEEDED,
            "pending": Attempt.Outcome.PENDING,
        }.get(result.status, Attempt.Outcome.FAILED)
        attempt.save()
        if attempt.outcome == Attempt.Outcome.FAILED:
            velocity.record_failure(_limit_keys(attempt))
            return attempt
        payment = Payment.objects.create(
            link=link,
            merchant=link.merchant,
            attempt=attempt,
            status=Payment.Status.SUCCEEDED
            if attempt.outcome == Attempt.Outcome.SUCCEEDED
            else Payment.Status.PENDING,
            amount=attempt.amount,
            currency=attempt.currency,
            payer_name=attempt.payer_name,
            payer_email=attempt.payer_email,
            payer_language=attempt.payer_language,
            method=attempt.method,
            card_brand=attempt.card_brand,
            card_last4=attempt.card_last4,
            card_exp_month=attempt.card_exp_month,
            card_exp_year=attempt.card_exp_year,
            bank_last4=attempt.bank_last4,
            processor_ref=result.reference,
            delivery_status=Payment.Delivery.TO_DELIVER if link.collect_delivery else "",
            settled_at=timezone.now() if attempt.outcome == Attempt.Outcome.SUCCEEDED else None,
            **{name: getattr(attempt, name) for name in DELIVERY_FIELDS},
        )
        _refresh_link_state(link)
        if payment.status == Payment.Status.SUCCEEDED:
            receipt_create(payment=payment)
        else:
            _check_settlement_later(payment)
        payment_notify_received(payment=payment)
    return attempt


def _check_settlement_later(payment: Payment) -> None:
    """Ask the processor again once the transfer may have settled (in this transaction)."""
    when: datetime = timezone.now() + timedelta(seconds=settings.SANDBOX_SETTLE_SECONDS)
    settle_payment.using(run_after=when).enqueue(payment_id=payment.pk)


def payment_settle(*, payment: Payment) -> Payment:
    """Ask the processor about a pending bank transfer and record a settlement or failure."""
    if payment.status != Payment.Status.PENDING:
        return payment
    result = get_processor().refresh(reference=payment.processor_ref)
    with transaction.atomic():
        link = _lock_link(payment.link_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.PENDING or result.status == "pending":
            if result.status == "pending":
                _check_settlement_later(payment)
            return payment
        if result.status == "succeeded":
            payment.status = Payment.Status.SUCCEEDED
            payment.settled_at = timezone.now()
            payment.save(update_fields=["status", "settled_at"])
            Attempt.objects.filter(pk=payment.attempt_id).update(outcome=Attempt.Outcome.SUCCEEDED)
            _refresh_link_state(link)
            receipt_create(payment=payment)
            payment_notify_settled(payment=payment)
        else:
            payment.status = Payment.Status.FAILED
            payment.failure_code = result.failure_code
            payment.save(update_fields=["status", "failure_code"])
            Attempt.objects.filter(pk=payment.attempt_id).update(
                outcome=Attempt.Outcome.FAILED, failure_code=result.failure_code
            )
            _refresh_link_state(link)
            payment_notify_failed(payment=payment)
    return payment


def payment_mark_delivered(*, payment: Payment) -> Payment:
    """Only a succeeded payment is delivered (a pending bank transfer may still fail)."""
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.delivery_status != Payment.Delivery.TO_DELIVER:
            raise ValidationError(_("This payment has nothing to deliver."))
        if locked.status != Payment.Status.SUCCEEDED:
            raise ValidationError(
                _("Deliver only once the payment has succeeded."), code="not_succeeded"
            )
        locked.delivery_status = Payment.Delivery.DELIVERED
        locked.delivered_at = timezone.now()
        locked.save(update_fields=["delivery_status", "delivered_at"])
        audit_record(
            merchant=locked.merchant,
            action=AuditEvent.Action.PAYMENT_DELIVERED,
            target=locked.public_id,
        )
    return locked


def payments_reconcile(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Finish what a crash, a killed worker or a lost connection left half done.

    Attempts still "processing" after ``older_than`` (PAYLINKS_RECOVERY_SECONDS) are
    completed from the processor's own record of their idempotency key, or failed if the
    processor never received them; pending bank transfers whose settlement check was
    lost are asked about again. Safe to run anywhere, any number of times, concurrently:
    every step is idempotent and takes the same locks as paying does.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.RECOVERY_SECONDS)
    cutoff = timezone.now() - older_than
    processor = get_processor()
    counts = {"completed": 0, "failed": 0, "settlements_checked": 0}
    stuck = Attempt.objects.filter(outcome=Attempt.Outcome.PROCESSING, created_at__lt=cutoff)
    for attempt in stuck.order_by("created_at").iterator():
        result = processor.retrieve(idempotency_key=attempt.idempotency_key)
        if result is None:  # the call never reached the processor: nothing was charged
            result = ChargeResult(status="failed", failure_code="processing_error")
        attempt = attempt_record_result(attempt=attempt, result=result)
        counts["failed" if attempt.outcome == Attempt.Outcome.FAILED else "completed"] += 1
    pending = Payment.objects.filter(status=Payment.Status.PENDING, created_at__lt=cutoff)
    for payment in pending.iterator():
        payment_settle(payment=payment)
        counts["settlements_checked"] += 1
    if any(counts.values()):
        log.info("reconciliation: %s", counts)
    return counts
