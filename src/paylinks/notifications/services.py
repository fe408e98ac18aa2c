"""Who is told what, when. Sending happens in tasks, enqueued in the caller's transaction
(the database task queue), so a rolled-back change sends nothing and a committed one
loses nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import AuditEvent
from paylinks.merchants.services import audit_record
from paylinks.notifications import tasks
from paylinks.webhooks.services import event_record


def _notify(payment: Payment, event: str) -> None:
    """The customer and the merchant, each by its own task (its own retries)."""
    for audience in ("customer", "merchant"):
        tasks.send_payment_email.enqueue(payment_id=payment.pk, event=event, audience=audience)


def payment_notify_received(*, payment: Payment) -> None:
    _notify(payment, "succeeded" if payment.status == Payment.Status.SUCCEEDED else "pending")
    event_record(merchant=payment.merchant, type=f"payment.{payment.status}", obj=payment)


def payment_notify_settled(*, payment: Payment) -> None:
    _notify(payment, "succeeded")
    event_record(merchant=payment.merchant, type="payment.succeeded", obj=payment)


def payment_notify_failed(*, payment: Payment) -> None:
    _notify(payment, "failed")
    event_record(merchant=payment.merchant, type="payment.failed", obj=payment)


def link_send_reminder(*, link: PaymentLink) -> None:
    """Email the link's customer a reminder to pay."""
    if link.kind != PaymentLink.Kind.SINGLE or not link.customer_email:
        raise ValidationError(_("This link names no customer email to remind."))
    if not link.accepts_payments:
        raise ValidationError(_("This link is not accepting payments."))
    with transaction.atomic():
        tasks.send_link_reminder.enqueue(link_id=link.pk)
        audit_record(
            merchant=link.merchant, action=AuditEvent.Action.LINK_REMINDER, target=link.public_id
        )
