"""Paying a link: attempts, payments, settlement. Exactly once, whatever happens.

1. Before anything, a card-testing slot is taken under every velocity limit.
2. In one short transaction (the link row locked only when it is single-use or capped),
   the link is checked against the checkout the customer saw, and the attempt is written
   ("processing"), unique per checkout: a second submission of the same page finds it.
3. The processor prepares the payment (no money moves) under an idempotency key derived
   from the attempt; its reference is recorded only while the attempt is still
   "processing" (a conditional update: the fence against recovery).
4. The processor confirms (money moves, or 3-D Secure is asked for).
5. The result is recorded once: payment, sales receipt, emails, in one transaction.
Recovery (``payments_reconcile``) finishes what a crash or a dropped connection left:
an attempt never confirmed is failed (its fence stops the request that may still be
running), one confirmed is asked about at the processor until it is final, a late
success is booked, an abandoned 3-D Secure step is cancelled.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from paylinks.checkout import selectors, velocity
from paylinks.checkout.models import Attempt, Payment
from paylinks.checkout.tokens import Checkout
from paylinks.core.db import single_statement
from paylinks.core.faults import crash_point
from paylinks.core.text import single_line
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import AuditEvent
from paylinks.merchants.services import audit_record
from paylinks.notifications.services import (
    payment_notify_failed,
    payment_notify_received,
    payment_notify_settled,
)
from paylinks.processors.base import (
    ChargeResult,
    InvalidToken,
    Processor,
    ProcessorError,
    get_processor,
)
from paylinks.receipts.services import receipt_create
from paylinks.webhooks.services import event_record

log = logging.getLogger(__name__)

# Failures that say nothing about the card (ours, or the customer walked away): they
# do not count against the card-testing limits.
NOT_CARD_FAILURES = {"processing_unreachable", "abandoned"}
# An attempt the processor (or the customer's 3-D Secure step) has not finished.
WAITING = ("processing", "requires_action")


class PaymentRefused(Exception):
    """The link cannot take this payment now; ``code`` is stable, ``message`` for people."""

    MESSAGES = {
        "inactive": _("This payment link is not accepting payments."),
        "method_not_allowed": _("This payment method is not offered for this link."),
        "in_progress": _("A payment for this link is already being processed."),
        "processor_unavailable": _("The payment could not be processed. Try again."),
        "link_changed": _(
            "This payment link was changed since you opened it. Check the amount and pay again."
        ),
        "invalid_details": _("Your payment details could not be read. Enter them again."),
        "busy": _("Many payments are being processed right now. Try again in a moment."),
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
        "delivery_line1": single_line(delivery.line1),
        "delivery_city": single_line(delivery.city),
        "delivery_region": single_line(delivery.region),
        "delivery_postal_code": single_line(delivery.postal_code),
        "delivery_country": single_line(delivery.country).upper(),
    }


def _limit(link: PaymentLink) -> int | None:
    return 1 if link.kind == PaymentLink.Kind.SINGLE else link.max_payments


def _link_of(attempt: Attempt) -> PaymentLink:
    """An attempt's link, to record its result: locked (read again under the lock) if its
    payments are serialised; else the copy at hand (nothing of it changes with a payment
    but its totals, which are updated in place)."""
    link = attempt.link
    if _limit(link) is None:
        return link
    return (
        PaymentLink.objects.select_related("merchant__payments_account")
        .select_for_update(of=("self",))
        .get(pk=link.pk)
    )


def _lock_link(link_pk: int) -> PaymentLink:
    """The link, locked if its payments must be serialised (single-use or capped); never
    its merchant (``of=self``): other links' payments go on meanwhile."""
    qs = PaymentLink.objects.select_related("merchant__payments_account")
    link = qs.get(pk=link_pk)
    if _limit(link) is None:
        return link
    return qs.select_for_update(of=("self",)).get(pk=link_pk)


def _holds(link: PaymentLink) -> int:
    """Payments made or under way that count against a link's limit."""
    paid_or_pending = link.payments.filter(
        status__in=[Payment.Status.SUCCEEDED, Payment.Status.PENDING]
    ).count()
    in_flight = link.attempts.filter(
        outcome__in=[Attempt.Outcome.PROCESSING, Attempt.Outcome.REQUIRES_ACTION]
    ).count()
    return paid_or_pending + in_flight


def _limit_keys(attempt: Attempt) -> dict[str, str]:
    return velocity.keys(
        link_id=attempt.link_id,
        merchant_id=attempt.merchant_id,
        client_ip=attempt.client_ip,
        fingerprint=attempt.card_fingerprint,
    )


def attempt_for_checkout(*, link: PaymentLink, nonce: str) -> Attempt | None:
    return selectors.attempt_by_checkout(link_id=link.pk, nonce=nonce)


def link_pay(
    *,
    link: PaymentLink,
    checkout: Checkout,
    method: str,
    payment_token: str,
    payer_name: str,
    payer_email: str,
    payer_language: str,
    delivery: Delivery | None = None,
    client_ip: str | None = None,
) -> Attempt:
    """Pay ``link`` for one checkout; returns its attempt, finished or waiting (for the
    processor, or for the customer's 3-D Secure step). Every call with the same checkout
    returns the same attempt: one charge at most. Raises PaymentRefused."""
    existing = attempt_for_checkout(link=link, nonce=checkout.nonce)
    if existing is not None:
        return existing
    processor = get_processor(link.merchant)
    if method not in processor.methods or method not in link.methods:
        raise PaymentRefused("method_not_allowed")
    try:
        instrument = processor.describe(token=payment_token)
    except InvalidToken:
        raise PaymentRefused("invalid_details") from None
    except ProcessorError as exc:
        log.warning("processor unavailable describing a token: %s", exc)
        raise PaymentRefused("processor_unavailable") from exc
    if instrument.method != method:
        raise PaymentRefused("invalid_details")
    found = velocity.keys(
        link_id=link.pk,
        merchant_id=link.merchant_id,
        client_ip=client_ip,
        fingerprint=instrument.fingerprint,
    )
    reservation, blocked = velocity.reserve(found)
    serialised = _limit(link) is not None
    try:
        # Only a link whose payments are serialised is locked (and read again under its
        # lock); otherwise the link read for this request is checked, and the attempt is
        # one INSERT, committed by itself: no transaction to open and close.
        with transaction.atomic() if serialised else single_statement():
            locked = _lock_link(link.pk) if serialised else link
            if not (locked.accepts_payments and locked.merchant.can_take_payments):
                raise PaymentRefused("inactive")
            if (locked.amount, locked.currency) != (checkout.amount, checkout.currency):
                raise PaymentRefused("link_changed")
            if method not in locked.methods:
                raise PaymentRefused("method_not_allowed")
            limit = _limit(locked)
            if limit is not None and _holds(locked) >= limit:
                raise PaymentRefused("in_progress")
            if blocked and velocity.tripped({blocked: found[blocked]}) == "":
                # Full of attempts in flight, not of failures: nothing to hold against anyone.
                raise PaymentRefused("busy")
            # Past a limit: recorded (failed) for the merchant's issues page, and the
            # processor is not called.
            stopped = (
                {
                    "outcome": Attempt.Outcome.FAILED,
                    "failure_code": "velocity_limited",
                    "completed_at": timezone.now(),
                }
                if blocked
                else {}
            )
            attempt = Attempt.objects.create(
                checkout=checkout.nonce,
                reservation=reservation,
                link=locked,
                merchant=locked.merchant,
                method=method,
                payer_name=single_line(payer_name),
                payer_email=single_line(payer_email),
                payer_language=payer_language,
                amount=locked.amount,
                currency=locked.currency,
                processor=processor.name,
                client_ip=client_ip,
                card_brand=instrument.brand,
                card_last4=instrument.last4 if method == "card" else "",
                card_exp_month=instrument.exp_month,
                card_exp_year=instrument.exp_year,
                bank_last4=instrument.last4 if method == "bank_transfer" else "",
                card_fingerprint=instrument.fingerprint[:32],
                **_delivery_fields(delivery if locked.collect_delivery else None),
                **stopped,
            )
            if blocked:
                log.warning("velocity limit (%s) stops %s", blocked, attempt.public_id)
                return attempt
    except IntegrityError:
        # The same checkout submitted twice at once: the other submission won.
        velocity.release(reservation, found)
        existing = attempt_for_checkout(link=link, nonce=checkout.nonce)
        if existing is None:
            raise
        return existing
    except PaymentRefused:
        velocity.release(reservation, found)
        raise
    return _charge(processor, attempt, payment_token)


def _charge(processor: Processor, attempt: Attempt, payment_token: str) -> Attempt:
    try:
        prepared = processor.prepare(
            amount=attempt.amount,
            currency=attempt.currency,
            token=payment_token,
            idempotency_key=attempt.idempotency_key,
            metadata={
                "paylinks_attempt": attempt.public_id,
                "paylinks_link": attempt.link.public_id,
                "paylinks_merchant": attempt.merchant.public_id,
            },
            payer_name=attempt.payer_name,
            payer_email=attempt.payer_email,
        )
    except (ProcessorError, InvalidToken) as exc:
        # Nothing was confirmed: no money can move. The customer may try again.
        log.warning("processor could not prepare %s: %s", attempt.public_id, exc)
        _fail_unconfirmed(attempt, "processing_error")
        attempt.refresh_from_db()
        return attempt
    if prepared.status == "failed":  # declined when the processor checked the card
        return attempt_record_result(attempt=attempt, result=prepared)
    claimed = Attempt.objects.filter(
        pk=attempt.pk, outcome=Attempt.Outcome.PROCESSING, processor_ref=""
    ).update(processor_ref=prepared.reference)
    if not claimed:
        # Recovery gave up on this attempt meanwhile: never confirm it.
        _cancel_quietly(processor, prepared.reference)
        attempt.refresh_from_db()
        return attempt
    attempt.processor_ref = prepared.reference
    crash_point("after_prepare")
    try:
        result = processor.confirm(
            reference=prepared.reference, idempotency_key=attempt.idempotency_key
        )
    except ProcessorError:
        # The money may or may not have moved: the attempt stays "processing" and
        # recovery asks the processor; the customer's page waits for the answer.
        log.exception("processor call failed for %s", attempt.public_id)
        attempt.refresh_from_db()
        return attempt
    crash_point("after_charge")
    return attempt_record_result(attempt=attempt, result=result)


def _cancel_quietly(processor: Processor, reference: str) -> None:
    try:
        processor.cancel(reference=reference)
    except ProcessorError:
        log.warning("could not cancel %s at the processor", reference)


def _fail_unconfirmed(attempt: Attempt, code: str) -> bool:
    """Fail an attempt the processor was never asked to confirm (the conditional update is
    the fence: a request still running sees it and does not confirm). Such failures do not
    count against the card-testing limits."""
    failed = Attempt.objects.filter(
        pk=attempt.pk, outcome=Attempt.Outcome.PROCESSING, processor_ref=""
    ).update(outcome=Attempt.Outcome.FAILED, failure_code=code, completed_at=timezone.now())
    if failed:
        velocity.release(attempt.reservation, _limit_keys(attempt))
    return bool(failed)


def _refresh_link_state(link: PaymentLink) -> None:
    """Derive a single-use or capped link's state from its payments (the caller holds
    the link's lock); an uncapped multi-use link's state never changes."""
    if _limit(link) is None:
        return
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


def _link_keys(link: PaymentLink) -> dict[str, str]:
    """The keys every payment on this link counts against, whoever pays."""
    return velocity.keys(
        link_id=link.pk, merchant_id=link.merchant_id, client_ip=None, fingerprint=""
    )


def _recent_payer_keys(link: PaymentLink) -> set[str]:
    """The address and card keys of the latest failures on this link (bounded)."""
    since = timezone.now() - timedelta(seconds=settings.VELOCITY_WINDOW_SECONDS)
    failed = link.attempts.filter(outcome=Attempt.Outcome.FAILED, created_at__gte=since)
    found: set[str] = set()
    for attempt in failed.only("link_id", "merchant_id", "client_ip", "card_fingerprint")[:50]:
        keys = _limit_keys(attempt)
        found.update(v for k, v in keys.items() if k in ("ip", "card"))
    return found


def link_velocity_status(*, link: PaymentLink) -> str:
    """Which failed-attempt limit stops payments on this link now ('' if none): the link's,
    the merchant's, or that of some of its customers' addresses or cards."""
    checks = list(_link_keys(link).items())  # (limit name, key), the link's and merchant's
    checks += [("ip" if ":ip:" in key else "card", key) for key in sorted(_recent_payer_keys(link))]
    window, limits = settings.VELOCITY_WINDOW_SECONDS, settings.VELOCITY_MAX_FAILURES
    counts = velocity.counter().failures([key for _name, key in checks], window)
    return next((name for name, key in checks if counts[key] >= limits[name]), "")


def link_velocity_lift(*, link: PaymentLink) -> None:
    """The merchant lifts the card-testing pause on a link: its counts, its merchant's, and
    those of the IPs and cards that failed on it in the window start again from zero."""
    found = set(_link_keys(link).values()) | _recent_payer_keys(link)
    velocity.clear(sorted(found))
    audit_record(
        merchant=link.merchant, action=AuditEvent.Action.LINK_PAUSE_LIFTED, target=link.public_id
    )


def attempt_record_result(*, attempt: Attempt, result: ChargeResult) -> Attempt:
    """Record what the processor answered for an attempt. Idempotent: an answer that is not
    final changes nothing but the 3-D Secure wait, a finished attempt is returned as it is,
    so recovery, webhooks and the request itself can all call it."""
    if result.status == "requires_action":
        Attempt.objects.filter(pk=attempt.pk, outcome=Attempt.Outcome.PROCESSING).update(
            outcome=Attempt.Outcome.REQUIRES_ACTION
        )
        attempt.refresh_from_db()
        return attempt
    if not result.final:
        attempt.refresh_from_db()
        return attempt
    outcome = {
        "succeeded": Attempt.Outcome.SUCCEEDED,
        "pending": Attempt.Outcome.PENDING,
    }.get(result.status, Attempt.Outcome.FAILED)
    failure_code = result.failure_code
    if result.status == "canceled":
        failure_code = failure_code or "abandoned"
    completed_at = timezone.now()
    with transaction.atomic():
        link = _link_of(attempt)
        finished: dict[str, Any] = {
            "outcome": outcome,
            "failure_code": failure_code,
            "completed_at": completed_at,
        }
        if result.reference:
            finished["processor_ref"] = result.reference
        # Whoever finishes a waiting attempt first records the result (a conditional update,
        # which holds the attempt's row to the commit); anyone after finds it finished.
        if Attempt.objects.filter(pk=attempt.pk, outcome__in=WAITING).update(**finished):
            for name, value in finished.items():
                setattr(attempt, name, value)
        else:
            attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
            late = attempt.outcome == Attempt.Outcome.FAILED and result.status == "succeeded"
            if not late or Payment.objects.filter(attempt=attempt).exists():
                return attempt
            log.error("late success booked for %s (the money was taken)", attempt.public_id)
            attempt.processor_ref = result.reference or attempt.processor_ref
            attempt.failure_code = ""
            attempt.completed_at = completed_at
            attempt.outcome = outcome
            attempt.save(update_fields=["processor_ref", "failure_code", "completed_at", "outcome"])
        keys = _limit_keys(attempt)
        if attempt.outcome == Attempt.Outcome.FAILED:
            if attempt.failure_code in NOT_CARD_FAILURES:
                velocity.release(attempt.reservation, keys)
            else:
                velocity.keep(attempt.reservation, keys)  # now a counted failure
                event_record(merchant=link.merchant, type="payment_attempt.failed", obj=attempt)
            return attempt
        velocity.release(attempt.reservation, keys)
        succeeded = attempt.outcome == Attempt.Outcome.SUCCEEDED
        now = timezone.now()
        payment = Payment.objects.create(
            link=link,
            merchant=link.merchant,
            attempt=attempt,
            status=Payment.Status.SUCCEEDED if succeeded else Payment.Status.PENDING,
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
            processor_ref=attempt.processor_ref,
            delivery_status=Payment.Delivery.TO_DELIVER if link.collect_delivery else "",
            settled_at=now if succeeded else None,
            fee=result.fee if succeeded else None,
            next_check_at=None
            if succeeded
            else now + timedelta(seconds=settings.SETTLEMENT_CHECK_SECONDS),
            **{name: getattr(attempt, name) for name in DELIVERY_FIELDS},
        )
        attempt.payment = payment  # known: the page goes straight to the confirmation
        Payment.receipt.related.set_cached_value(payment, None)  # none yet: no need to ask
        _refresh_link_state(link)
        payment_notify_received(payment=payment)
        if succeeded:
            receipt_create(payment=payment)  # last: the receipt counter is held briefly
    return attempt


def attempt_refresh(*, attempt: Attempt) -> Attempt:
    """Ask the processor about an attempt it has (after the customer's 3-D Secure step, or
    while waiting for an answer) and record what it says: its word, never the browser's."""
    if attempt.outcome not in (Attempt.Outcome.PROCESSING, Attempt.Outcome.REQUIRES_ACTION):
        return attempt
    if not attempt.processor_ref:
        return attempt
    processor = get_processor(attempt.merchant)
    try:
        result = processor.retrieve(reference=attempt.processor_ref)
    except ProcessorError:
        log.warning("processor unavailable for %s", attempt.public_id)
        return attempt
    if result.status == "requires_confirmation":
        return attempt
    return attempt_record_result(attempt=attempt, result=result)


def attempt_client_secret(*, attempt: Attempt) -> str:
    """What the page needs to run the customer's 3-D Secure step (asked of the processor
    each time: paylinks keeps no such secret)."""
    if attempt.outcome != Attempt.Outcome.REQUIRES_ACTION or not attempt.processor_ref:
        return ""
    try:
        result = get_processor(attempt.merchant).retrieve(reference=attempt.processor_ref)
    except ProcessorError:
        return ""
    return result.client_secret


def payment_settle(*, payment: Payment) -> Payment:
    """Ask the processor about a pending payment and record a settlement or failure;
    while it stays pending, the next check is set (one check per payment, never a chain)."""
    if payment.status != Payment.Status.PENDING:
        return payment
    try:
        result = get_processor(payment.merchant).retrieve(reference=payment.processor_ref)
    except ProcessorError:
        log.warning("processor unavailable settling %s", payment.public_id)
        result = ChargeResult(status="pending", reference=payment.processor_ref)
    with transaction.atomic():
        link = _lock_link(payment.link_id)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.status != Payment.Status.PENDING:
            return payment
        if result.status not in ("succeeded", "failed", "canceled"):
            payment.next_check_at = timezone.now() + timedelta(
                seconds=settings.SETTLEMENT_CHECK_SECONDS
            )
            payment.save(update_fields=["next_check_at"])
            return payment
        payment.next_check_at = None
        if result.status == "succeeded":
            payment.status = Payment.Status.SUCCEEDED
            payment.settled_at = timezone.now()
            payment.fee = result.fee
            payment.save(update_fields=["status", "settled_at", "next_check_at", "fee"])
            Attempt.objects.filter(pk=payment.attempt_id).update(outcome=Attempt.Outcome.SUCCEEDED)
            _refresh_link_state(link)
            payment_notify_settled(payment=payment)
            receipt_create(payment=payment)
        else:
            payment.status = Payment.Status.FAILED
            payment.failure_code = result.failure_code
            payment.save(update_fields=["status", "failure_code", "next_check_at"])
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


def _recover(attempt: Attempt, action_cutoff: timedelta) -> str:
    """One stuck attempt: 'failed' (never confirmed), 'completed', 'cancelled' or 'waiting'."""
    if not attempt.processor_ref:
        # Never confirmed, so nothing was charged; the fence stops a request still running.
        return "failed" if _fail_unconfirmed(attempt, "processing_unreachable") else "waiting"
    processor = get_processor(attempt.merchant)
    try:
        result = processor.retrieve(reference=attempt.processor_ref)
        # Never confirmed (the request died or stalls before confirming): cancelling is
        # safe, the processor settles the race with a late confirm and says who won.
        # Waiting for the customer's 3-D Secure step: only once it is abandoned.
        waiting_customer = result.status == "requires_action"
        stale = attempt.created_at < timezone.now() - action_cutoff
        if result.status == "requires_confirmation" or (waiting_customer and stale):
            result = processor.cancel(reference=attempt.processor_ref)
            if result.status == "canceled":
                result = ChargeResult(
                    status="canceled", reference=result.reference, failure_code="abandoned"
                )
    except ProcessorError:
        return "waiting"  # ask again at the next pass: never give up on a charge
    if not result.final:
        return "waiting"
    attempt = attempt_record_result(attempt=attempt, result=result)
    return "completed" if attempt.outcome != Attempt.Outcome.FAILED else "cancelled"


def payments_settle_due(*, older_than: timedelta = timedelta(0)) -> int:
    """Ask about every pending payment whose next check is due, once (the periodic pass)."""
    now = timezone.now()
    due = Payment.objects.filter(status=Payment.Status.PENDING).filter(
        Q(next_check_at__lte=now) | Q(next_check_at__isnull=True, created_at__lt=now - older_than)
    )
    checked = 0
    for payment in due.select_related("merchant__payments_account").order_by("next_check_at")[
        :1000
    ]:
        payment_settle(payment=payment)
        checked += 1
    return checked


def payments_reconcile(*, older_than: timedelta | None = None) -> dict[str, int]:
    """Finish what a crash, a killed worker or a lost connection left half done.

    Attempts still waiting after ``older_than`` (PAYLINKS_RECOVERY_SECONDS): one the
    processor was never asked to confirm is failed (nothing was charged); one it was asked
    about is completed from the processor's own record, or asked about again at the next
    pass while the processor has no final answer (never failed meanwhile); a 3-D Secure
    step abandoned for PAYLINKS_CHECKOUT_ACTION_TIMEOUT_SECONDS is cancelled at the
    processor. Pending payments whose next check is due are asked about once. Safe to run
    anywhere, any number of times, concurrently.
    """
    if older_than is None:
        older_than = timedelta(seconds=settings.RECOVERY_SECONDS)
    now = timezone.now()
    action_cutoff = max(older_than, timedelta(seconds=settings.CHECKOUT_ACTION_TIMEOUT_SECONDS))
    counts = {"completed": 0, "failed": 0, "cancelled": 0, "waiting": 0, "settlements_checked": 0}
    stuck = Attempt.objects.filter(
        outcome__in=[Attempt.Outcome.PROCESSING, Attempt.Outcome.REQUIRES_ACTION],
        created_at__lt=now - older_than,
    ).select_related("merchant__payments_account", "link")
    for attempt in stuck.order_by("created_at")[:1000]:
        counts[_recover(attempt, action_cutoff)] += 1
    counts["settlements_checked"] = payments_settle_due(older_than=older_than)
    if any(v for k, v in counts.items() if k != "waiting"):
        log.info("reconciliation: %s", counts)
    return counts
