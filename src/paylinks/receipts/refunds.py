"""Refunds: money given back on a payment, in full or in part, booked as refund receipts.

1. In one short transaction, under the payment's row lock (never its merchant's or its
   link's), the amount is checked against what is left to refund and counted at once in
   ``Payment.amount_refunded``; the refund is written "pending", unique per idempotency
   key (a second request with the same key finds it). Concurrent requests queue on that
   lock for a moment: together they never refund more than was paid.
2. The processor is asked to refund, outside any lock, with an idempotency key derived
   from the refund (``paylinks-re_…``): asking again gives the same refund, never a second.
3. Its answer is recorded once: succeeded → a refund receipt numbered in the merchant's
   own refund sequence (its counter bumped last, so held briefly), emails, events;
   pending → asked about again by the periodic pass; failed → the amount is released.
Recovery (``refunds_recheck_due``) finishes what a crash or a lost connection left: a
refund the processor was never heard about is asked for again under the same key.
A refund made in the processor's own dashboard (a Stripe webhook) is booked the same way,
once: matched by our refund's id in its metadata, then by its reference (unique).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.core.faults import crash_point
from paylinks.core.text import single_line
from paylinks.merchants.models import Merchant, User
from paylinks.money import format_money, site_language
from paylinks.processors.base import ProcessorError, RefundResult, get_processor
from paylinks.receipts.models import Refund, RefundReceipt, SalesReceipt
from paylinks.webhooks.services import event_record

log = logging.getLogger(__name__)

MAX_NOTE = 500


def processor_key(refund: Refund) -> str:
    """What the processor gets: derived from the refund, so asking again refunds once."""
    return f"paylinks-{refund.public_id}"


def _check(
    *, payment: Payment, amount: int, reason: str, note: str, idempotency_key: str, currency: str
) -> None:
    """The request's own errors, each naming its field (the amount is checked again
    against the payment under its lock)."""
    language = site_language(translation.get_language() or "en")
    errors: dict[str, ValidationError] = {}
    if currency and currency.upper() != payment.currency:
        message = _("This payment is in %(currency)s: refund it in %(currency)s.") % {
            "currency": payment.currency
        }
        errors["currency"] = ValidationError(message, code="currency_mismatch")
    if amount <= 0:
        message = _("The amount to refund must be greater than zero.")
        errors["amount"] = ValidationError(message, code="parameter_invalid")
    elif amount > payment.amount:
        message = _("You can refund at most %(max)s.") % {
            "max": format_money(payment.refundable, payment.currency, language)
        }
        errors["amount"] = ValidationError(message, code="amount_too_large")
    if reason not in Refund.Reason.values:
        message = _("Choose a reason from the list.")
        errors["reason"] = ValidationError(message, code="parameter_invalid")
    if len(note) > MAX_NOTE:
        message = _("The note can have at most %(max)s characters.") % {"max": MAX_NOTE}
        errors["note"] = ValidationError(message, code="parameter_invalid")
    if not 0 < len(idempotency_key) <= 255:
        message = _("The idempotency key must have 1 to 255 characters.")
        errors["idempotency_key"] = ValidationError(message, code="parameter_invalid")
    if errors:
        raise ValidationError(errors)


def _over_refundable(payment: Payment) -> ValidationError:
    language = site_language(translation.get_language() or "en")
    if payment.refundable <= 0:
        message = _("This payment has been refunded in full: nothing is left to refund.")
        return ValidationError({"amount": ValidationError(message, code="fully_refunded")})
    message = _("You can refund at most %(max)s.") % {
        "max": format_money(payment.refundable, payment.currency, language)
    }
    return ValidationError({"amount": ValidationError(message, code="amount_too_large")})


def _not_refundable(payment: Payment) -> ValidationError:
    if payment.status == Payment.Status.PENDING:
        message = _("This payment has not settled yet: refund it once it has succeeded.")
    else:
        message = _("Only a payment that succeeded can be refunded.")
    return ValidationError({"payment": ValidationError(message, code="payment_not_succeeded")})


def refund_create(
    *,
    payment: Payment,
    amount: int,
    reason: str,
    note: str = "",
    idempotency_key: str,
    source: str = Refund.Source.DASHBOARD,
    requested_by: User | None = None,
    currency: str = "",
) -> Refund:
    """Refund ``amount`` (minor units) of a succeeded payment through the processor that
    took it. The same ``idempotency_key`` (per merchant) gives back the same refund, made
    once. Raises ValidationError naming the field (amount, reason, note, currency,
    payment). Returns the refund: succeeded, pending (completes later) or failed."""
    note = single_line(note or "").strip()
    existing = Refund.objects.filter(
        merchant_id=payment.merchant_id, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return _replay(existing, payment=payment, amount=amount)
    _check(
        payment=payment,
        amount=amount,
        reason=reason,
        note=note,
        idempotency_key=idempotency_key,
        currency=currency,
    )
    processor = get_processor(payment.merchant)
    if payment.attempt.processor != processor.name:
        message = _("This payment was taken by another processor: refund it there.")
        raise ValidationError({"payment": ValidationError(message, code="processor_changed")})
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
            if locked.status != Payment.Status.SUCCEEDED:
                raise _not_refundable(locked)
            if amount > locked.refundable:
                raise _over_refundable(locked)
            Payment.objects.filter(pk=locked.pk).update(
                amount_refunded=F("amount_refunded") + amount
            )
            refund = Refund.objects.create(
                merchant_id=locked.merchant_id,
                payment=locked,
                amount=amount,
                currency=locked.currency,
                reason=reason,
                note=note,
                source=source,
                requested_by=requested_by,
                idempotency_key=idempotency_key,
                processor=processor.name,
                # Should this request die before it hears from the processor, the
                # periodic pass asks again (same key) from this time.
                next_check_at=now + timedelta(seconds=settings.RECOVERY_SECONDS),
            )
            event_record(merchant=payment.merchant, type="refund.created", obj=refund)
    except IntegrityError:
        # The same key at the same time: the other request made the refund.
        existing = Refund.objects.filter(
            merchant_id=payment.merchant_id, idempotency_key=idempotency_key
        ).first()
        if existing is None:
            raise
        return _replay(existing, payment=payment, amount=amount)
    payment.amount_refunded += amount
    return refund_submit(refund=refund)


def _replay(refund: Refund, *, payment: Payment, amount: int) -> Refund:
    if refund.payment_id != payment.pk or refund.amount != amount:
        message = _("This idempotency key was used for another refund.")
        raise ValidationError(
            {"idempotency_key": ValidationError(message, code="idempotency_key_reused")}
        )
    return refund


def refund_submit(*, refund: Refund) -> Refund:
    """Ask the processor for a pending refund (again: the same key gives the same refund)
    and record its answer. A processor that cannot be reached leaves it pending."""
    if refund.status != Refund.Status.PENDING:
        return refund
    processor = get_processor(refund.merchant)
    try:
        result = processor.refund(
            reference=refund.payment.processor_ref,
            amount=refund.amount,
            idempotency_key=processor_key(refund),
            metadata={"paylinks_refund": refund.public_id},
        )
    except ProcessorError as exc:
        log.warning("processor unavailable refunding %s: %s", refund.public_id, exc)
        _check_later(refund)
        refund.refresh_from_db()
        return refund
    crash_point("after_refund")
    return refund_record_result(refund=refund, result=result)


def _check_later(refund: Refund) -> None:
    later = timezone.now() + timedelta(seconds=settings.SETTLEMENT_CHECK_SECONDS)
    Refund.objects.filter(pk=refund.pk, status=Refund.Status.PENDING).update(next_check_at=later)


def refund_record_result(*, refund: Refund, result: RefundResult) -> Refund:
    """Record what the processor says about a refund, once: the request itself, the
    periodic pass and a webhook may all call it, in any order, at the same time."""
    if result.status not in ("succeeded", "failed"):
        if result.reference:
            Refund.objects.filter(pk=refund.pk, processor_ref="").update(
                processor_ref=result.reference
            )
        _check_later(refund)
        refund.refresh_from_db()
        return refund
    with transaction.atomic():
        if result.status == "failed":  # the payment first, as when the refund was made
            Payment.objects.select_for_update(of=("self",)).get(pk=refund.payment_id)
        locked = Refund.objects.select_for_update(of=("self",)).get(pk=refund.pk)
        if locked.status != Refund.Status.PENDING:
            return locked
        locked.processor_ref = result.reference or locked.processor_ref
        locked.completed_at = timezone.now()
        locked.next_check_at = None
        if result.status == "failed":
            locked.status = Refund.Status.FAILED
            locked.failure_code = (result.failure_code or "refund_failed")[:40]
            locked.save()
            Payment.objects.filter(pk=locked.payment_id).update(
                amount_refunded=F("amount_refunded") - locked.amount
            )
            event_record(merchant=locked.merchant, type="refund.failed", obj=locked)
            _notify(locked, "failed", audiences=("merchant",))
            return locked
        locked.status = Refund.Status.SUCCEEDED
        locked.save()
        event_record(merchant=locked.merchant, type="refund.succeeded", obj=locked)
        receipt = refund_receipt_create(refund=locked)  # last: the counter is held briefly
        event_record(merchant=locked.merchant, type="refund_receipt.created", obj=receipt)
        _notify(locked, "succeeded", audiences=("customer", "merchant"))
    return locked


def _notify(refund: Refund, event: str, *, audiences: tuple[str, ...]) -> None:
    from paylinks.notifications.refund_tasks import send_refund_email

    for audience in audiences:
        send_refund_email.enqueue(refund_id=refund.pk, event=event, audience=audience)


def refund_receipt_create(*, refund: Refund) -> RefundReceipt:
    """Book a completed refund as the merchant's next refund receipt (its own sequence,
    without gaps: the counter is bumped in the caller's transaction, whose commit
    releases it), tied to the payment's sales receipt."""
    with transaction.atomic():
        existing = RefundReceipt.objects.filter(refund=refund).first()
        if existing is not None:
            return existing
        merchant = refund.merchant
        sales = SalesReceipt.objects.get(payment_id=refund.payment_id)
        with translation.override(merchant.locale):
            description = _("Refund on sales receipt no. %(number)s (“%(link)s”)") % {
                "number": sales.number,
                "link": sales.line_description,
            }
        counter = Merchant.objects.filter(pk=merchant.pk)
        counter.update(last_refund_receipt_number=F("last_refund_receipt_number") + 1)
        number = counter.values_list("last_refund_receipt_number", flat=True).get()
        return RefundReceipt.objects.create(
            merchant=merchant,
            number=number,
            refund=refund,
            sales_receipt=sales,
            date=timezone.localdate(refund.completed_at or timezone.now()),
            customer_name=sales.customer_name,
            customer_email=sales.customer_email,
            description=description,
            line_description=sales.line_description,
            amount=refund.amount,
            currency=refund.currency,
            payment_method=sales.payment_method,
        )


def refund_refresh(*, refund: Refund) -> Refund:
    """Ask the processor about a pending refund and record its answer: by its reference,
    or, if we never heard back (a crash, a lost connection), by asking for it again under
    the same key, which gives the same refund."""
    if refund.status != Refund.Status.PENDING:
        return refund
    if not refund.processor_ref:
        if refund.source == Refund.Source.PROCESSOR:
            return refund
        return refund_submit(refund=refund)
    try:
        result = get_processor(refund.merchant).retrieve_refund(reference=refund.processor_ref)
    except ProcessorError as exc:
        log.warning("processor unavailable for %s: %s", refund.public_id, exc)
        _check_later(refund)
        return refund
    return refund_record_result(refund=refund, result=result)


def refunds_recheck_due() -> int:
    """The periodic pass: every pending refund whose next check is due, asked about once."""
    due = Refund.objects.filter(status=Refund.Status.PENDING, next_check_at__lte=timezone.now())
    checked = 0
    for refund in due.select_related("merchant__payments_account", "payment").order_by(
        "next_check_at"
    )[:1000]:
        refund_refresh(refund=refund)
        checked += 1
    if checked:
        log.info("refunds checked: %s", checked)
    return checked


def refund_book_from_processor(*, merchant: Merchant, result: RefundResult) -> Refund | None:
    """A refund the processor tells about (its webhook; the result read again from the
    processor): ours (named in its metadata, or by its reference) is recorded, one made
    in the processor's own dashboard is booked like ours, once. None if it refunds no
    payment of this merchant."""
    processor = get_processor(merchant)
    ours = None
    if result.paylinks_refund:
        ours = Refund.objects.filter(merchant=merchant, public_id=result.paylinks_refund).first()
    if ours is None and result.reference:
        ours = Refund.objects.filter(
            processor=processor.name, processor_ref=result.reference
        ).first()
    if ours is not None:
        return refund_record_result(refund=ours, result=result)
    payment = Payment.objects.filter(
        merchant=merchant, processor_ref=result.payment_reference
    ).first()
    if payment is None or not result.reference or result.amount <= 0:
        return None
    try:
        with transaction.atomic():
            locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
            again = Refund.objects.filter(
                processor=processor.name, processor_ref=result.reference
            ).first()
            if again is not None:
                refund = again
            else:
                held = min(result.amount, locked.refundable)
                if held <= 0:
                    log.error("%s refunds %s, already refunded in full", result.reference, payment)
                    return None
                if held < result.amount:  # the books never show more refunded than paid
                    log.error(
                        "%s refunds %s of %s, more than is left: %s booked",
                        result.reference,
                        result.amount,
                        payment.public_id,
                        held,
                    )
                refund = Refund.objects.create(
                    merchant=merchant,
                    payment=locked,
                    amount=held,
                    currency=locked.currency,
                    reason=Refund.Reason.OTHER,
                    source=Refund.Source.PROCESSOR,
                    idempotency_key=f"{processor.name}:{result.reference}",
                    processor=processor.name,
                    processor_ref=result.reference,
                    next_check_at=timezone.now()
                    + timedelta(seconds=settings.SETTLEMENT_CHECK_SECONDS),
                )
                Payment.objects.filter(pk=locked.pk).update(
                    amount_refunded=F("amount_refunded") + held
                )
                event_record(merchant=merchant, type="refund.created", obj=refund)
    except IntegrityError:  # booked at the same moment by another delivery
        refund = Refund.objects.get(processor=processor.name, processor_ref=result.reference)
    return refund_record_result(refund=refund, result=result)
