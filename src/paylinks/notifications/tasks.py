"""Sending email: one message per task, except a payment's two (the customer's and the
merchant's), sent by one task. A message that fails (the mail server is down) is tried
again later with a growing delay, without sending the others twice.

Each message has a key and an ``OutboundEmail`` row: a task that runs again (its worker
died mid-task and the queue handed it out again) finds the message sent, or being sent,
and does not send it twice."""

import logging
from collections.abc import Sequence
from datetime import timedelta
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task, TaskContext

from paylinks.checkout.models import Payment
from paylinks.checkout.selectors import payment_with_receipt
from paylinks.core.db import single_statement
from paylinks.core.text import single_line
from paylinks.links.models import PaymentLink
from paylinks.notifications.emails import email_build, merchant_addresses, merchant_reply_to
from paylinks.notifications.models import OutboundEmail

log = logging.getLogger(__name__)

MAX_TRIES = 6  # then the failure stays in the task table for an operator


# Defence in depth: whatever a row holds, these are shown on one line of an email (a
# line break in a payer's name must not start a line of the payer's choosing).
_ONE_LINE = {
    "payment": ("payer_name", "payer_email"),
    "link": ("description", "customer_name"),
    "merchant": ("business_name",),
}


def _send(
    *,
    key: str,
    template: str,
    language: str,
    to: list[str],
    context: dict,
    reply_to: Sequence[str] = (),
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Render ``emails/<template>`` (subject, text, HTML) in ``language`` and send it, once
    per ``key`` whatever happens: an OSError (the mail server) leaves it to retry."""
    if not to:
        return
    status = OutboundEmail.Status
    for name, fields in _ONE_LINE.items():
        if (obj := context.get(name)) is not None:
            for field in fields:
                setattr(obj, field, single_line(getattr(obj, field)))
    message = email_build(
        template=template,
        language=language,
        to=to,
        context=context,
        reply_to=reply_to,
        attachments=attachments,
    )
    with get_connection() as connection:  # connects (and logs in) before the claim
        try:  # the first run: the message is claimed by the INSERT of its row
            with single_statement():
                record = OutboundEmail.objects.create(
                    key=key,
                    message_id=make_msgid(domain="paylinks.localhost"),
                    status=status.SENDING,
                    recipients=", ".join(to),
                    subject=str(message.subject),
                    tries=1,
                )
        except IntegrityError:  # a run again: its row says what happened before
            record = OutboundEmail.objects.get(key=key)
            if record.status == status.SENDING:
                # A worker died (or is still busy) handing it to the mail server: it may
                # well have gone out. Better one lost duplicate than a second copy.
                OutboundEmail.objects.filter(pk=record.pk, status=status.SENDING).update(
                    status=status.UNKNOWN
                )
                log.error("email %s may have been sent by a worker that died: not sent again", key)
            if record.status != status.PENDING:
                return
            claimed = OutboundEmail.objects.filter(pk=record.pk, status=status.PENDING).update(
                status=status.SENDING,
                recipients=", ".join(to),
                subject=str(message.subject),
                tries=record.tries + 1,
            )
            if not claimed:
                return  # another run of the same task has it
        message.extra_headers["Message-ID"] = record.message_id
        try:
            connection.send_messages([message])
        except OSError:
            OutboundEmail.objects.filter(pk=record.pk).update(status=status.PENDING)
            raise
        OutboundEmail.objects.filter(pk=record.pk).update(
            status=status.SENT, sent_at=timezone.now()
        )


def _retry_later(task_: Task, tries: int, error: OSError, **kwargs: object) -> None:
    """Enqueue the same message again in 2, 4, 8… minutes; after MAX_TRIES, fail."""
    if tries >= MAX_TRIES:
        raise error
    delay = timedelta(minutes=2**tries)
    log.warning("email failed (try %s of %s: %s), again in %s", tries, MAX_TRIES, error, delay)
    task_.using(run_after=timezone.now() + delay).enqueue(tries=tries + 1, **kwargs)


def _payment_email(payment: Payment, event: str, audience: str, users: list[str]) -> None:
    """One message about ``payment``: the customer's receipt (or pending/failed notice),
    or the merchant's confirmation (to ``users``, the merchant's addresses)."""
    receipt = getattr(payment, "receipt", None)
    context = {
        "payment": payment,
        "link": payment.link,
        "merchant": payment.merchant,
        "receipt": receipt,
        "link_url": settings.BASE_URL + payment.link.path,
        "receipt_url": settings.BASE_URL + reverse("checkout:confirmation", args=[payment.token]),
        "dashboard_url": settings.BASE_URL + reverse("links:detail", args=[payment.link.public_id]),
        "audience": audience,
        "event": event,
    }
    if audience == "customer":  # replies go to the business, and the business's to the payer
        reply_to = merchant_reply_to(payment.merchant, users)
        language, to = payment.payer_language, [payment.payer_email]
    else:
        language, to, reply_to = payment.merchant.locale, users, [payment.payer_email]
    attachments = []
    if audience == "customer" and receipt is not None:  # the receipt as a PDF
        from paylinks.receipts.pdf import receipt_pdf, receipt_pdf_filename

        attachments.append(
            (
                receipt_pdf_filename(receipt, language),
                receipt_pdf(receipt=receipt, language=language),
                "application/pdf",
            )
        )
    _send(
        key=f"payment:{payment.pk}:{event}:{audience}",
        template=f"{audience}_{event}",
        language=language,
        to=to,
        context=context,
        reply_to=reply_to,
        attachments=attachments,
    )


@task()
def send_payment_emails(*, payment_id: int, event: str, tries: int = 1) -> None:
    """Both messages of a payment's event, the customer's then the merchant's, in one task
    (one payment read, one read of the merchant's addresses). Each is sent once by its own
    key: a run again after a failure sends only what did not go out."""
    payment = payment_with_receipt(pk=payment_id)
    if payment is None:
        return
    users = merchant_addresses(payment.merchant)
    failed: OSError | None = None
    for audience in ("customer", "merchant"):
        try:
            _payment_email(payment, event, audience, users)
        except OSError as error:  # smtplib's errors: the server is down or refuses
            failed = error  # the other message is still tried
    if failed is not None:
        _retry_later(send_payment_emails, tries, failed, payment_id=payment_id, event=event)


@task()
def send_payment_email(*, payment_id: int, event: str, audience: str, tries: int = 1) -> None:
    """One of a payment's messages (queued by earlier versions; see send_payment_emails)."""
    payment = payment_with_receipt(pk=payment_id)
    if payment is None:
        return
    try:
        _payment_email(payment, event, audience, merchant_addresses(payment.merchant))
    except OSError as error:  # smtplib's errors are OSErrors: the server is down or refuses
        _retry_later(
            send_payment_email,
            tries,
            error,
            payment_id=payment_id,
            event=event,
            audience=audience,
        )


@task(takes_context=True)
def send_link_reminder(
    context: TaskContext, *, link_id: int, tries: int = 1, key: str = ""
) -> None:
    """One reminder per request of the merchant: its key is the first task's id."""
    key = key or f"reminder:{context.task_result.id}"
    link = PaymentLink.objects.select_related("merchant").filter(pk=link_id).first()
    if link is None or not link.customer_email or not link.accepts_payments:
        return
    try:
        _send(
            key=key,
            template="reminder",
            language=link.merchant.locale,
            to=[link.customer_email],
            context={
                "link": link,
                "merchant": link.merchant,
                "link_url": settings.BASE_URL + link.path,
            },
        )
    except OSError as error:
        _retry_later(send_link_reminder, tries, error, link_id=link_id, key=key)
