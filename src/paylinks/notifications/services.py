"""Who is told what, when. Sending happens in tasks, enqueued in the caller's transaction
(the database task queue), so a rolled-back change sends nothing and a committed one
loses nothing."""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.core.audit import current_actor
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import AuditEvent, Merchant
from paylinks.merchants.services import audit_record
from paylinks.money import format_money, site_language
from paylinks.notifications import emails, link_tasks, sms, tasks
from paylinks.notifications.models import LinkMessage, SmsConsent
from paylinks.notifications.selectors import sms_consent_active
from paylinks.webhooks.services import event_record

log = logging.getLogger(__name__)

MAX_TRIES = 6  # like emails: then the message is marked "not sent" for the merchant


def _notify(payment: Payment, event: str) -> None:
    """The customer and the merchant, by one task (each message sent once, by its key)."""
    tasks.send_payment_emails.enqueue(payment_id=payment.pk, event=event)


def payment_notify_received(*, payment: Payment) -> None:
    _notify(payment, "succeeded" if payment.status == Payment.Status.SUCCEEDED else "pending")
    event_record(merchant=payment.merchant, type=f"payment.{payment.status}", obj=payment)


def payment_notify_settled(*, payment: Payment) -> None:
    _notify(payment, "succeeded")
    event_record(merchant=payment.merchant, type="payment.succeeded", obj=payment)


def payment_notify_failed(*, payment: Payment) -> None:
    _notify(payment, "failed")
    event_record(merchant=payment.merchant, type="payment.failed", obj=payment)


# --- Consent to text messages -------------------------------------------------------------


def merchant_phone_region(merchant: Merchant) -> str:
    account = getattr(merchant, "payments_account", None)
    return (account.country if account is not None else "") or "CA"


def sms_consent_wording(*, merchant: Merchant, phone: str, language: str) -> str:
    """The question to put to the customer, word for word (recorded with their answer)."""
    with translation.override(site_language(language)):
        return _(
            "May %(business)s send you payment links and payment reminders by text message "
            "at %(phone)s? Reply STOP at any time to stop them."
        ) % {"business": merchant.business_name, "phone": sms.phone_display(phone)}


def sms_consent_record(*, merchant: Merchant, phone: str, method: str, wording: str) -> SmsConsent:
    """Record that the customer at ``phone`` agreed to be texted by ``merchant``: when (now),
    how (``method``), by whom (whoever is acting), and the wording they agreed to."""
    try:
        e164 = sms.phone_normalise(phone, merchant_phone_region(merchant))
    except ValueError:
        raise ValidationError({"phone": _bad_phone(phone)}) from None
    if method not in SmsConsent.Method.values:
        raise ValidationError({"method": _("Say how the customer gave their consent.")})
    wording = wording.strip()
    if not wording:
        raise ValidationError({"wording": _("Enter the wording the customer agreed to.")})
    return SmsConsent.objects.create(
        merchant=merchant,
        phone=e164,
        method=method,
        wording=wording[:2000],
        recorded_by=current_actor().who,
    )


def sms_consent_revoke(*, phone: str, via: str, merchant: Merchant | None = None) -> int:
    """Withdraw consent for ``phone`` (for every merchant unless one is given: a STOP sent to
    the shared sending number stops them all). Returns how many consents were revoked."""
    try:
        e164 = sms.phone_normalise(phone, merchant_phone_region(merchant) if merchant else "CA")
    except ValueError:
        return 0
    consents = SmsConsent.objects.filter(phone=e164, revoked_at__isnull=True)
    if merchant is not None:
        consents = consents.filter(merchant=merchant)
    return consents.update(revoked_at=timezone.now(), revoked_via=via[:254])


def _bad_phone(phone: str) -> str:
    return _(
        "“%(phone)s” is not a phone number that can receive text messages. "
        "Enter it with its area code, for example 514 555 0123 or +33 6 12 34 56 78."
    ) % {"phone": phone}


# --- Sending a link, reminders --------------------------------------------------------------


def _recipient(link: PaymentLink, channel: str, to: str) -> str:
    """The normalised address or number, or a ValidationError naming ``to``."""
    if channel == LinkMessage.Channel.EMAIL:
        address = (to or link.customer_email).strip()
        if not address:
            raise ValidationError({"to": _("Enter the customer's email address.")})
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"to": _("Enter a valid email address.")}) from None
        return address
    number = (to or link.customer_phone).strip()
    if not number:
        raise ValidationError({"to": _("Enter the customer's mobile phone number.")})
    try:
        e164 = sms.phone_normalise(number, merchant_phone_region(link.merchant))
    except ValueError:
        raise ValidationError({"to": _bad_phone(number)}) from None
    if not sms_consent_active(merchant=link.merchant, phone=e164):
        raise ValidationError(
            {
                "to": _(
                    "%(phone)s has not agreed to receive text messages from you: "
                    "record their consent first."
                )
                % {"phone": sms.phone_display(e164)}
            }
        )
    return e164


def _queue(
    *, link: PaymentLink, channel: str, to: str, language: str, kind: str, auto_remind: bool
) -> LinkMessage:
    if channel not in LinkMessage.Channel.values:
        raise ValidationError({"channel": _("Choose email or text message.")})
    if channel == LinkMessage.Channel.SMS and link.kind != PaymentLink.Kind.SINGLE:
        raise ValidationError(
            {"channel": _("Text messages are for single-use links, sent to their customer.")}
        )
    if not link.accepts_payments:
        raise ValidationError({"link": _("This link is not accepting payments.")})
    recipient = _recipient(link, channel, to)
    language = site_language(language or link.merchant.locale)
    now = timezone.now()
    with transaction.atomic():
        # One at a time per link, so two clicks cannot both pass the cool-down.
        PaymentLink.objects.select_for_update().filter(pk=link.pk).first()
        since = now - timedelta(seconds=settings.MESSAGE_COOLDOWN_SECONDS)
        recent = LinkMessage.objects.filter(link=link, channel=channel, to=recipient).filter(
            Q(sent_at__gte=since) | Q(status=LinkMessage.Status.QUEUED, send_after__isnull=True)
        )
        if recent.exists():
            minutes = max(1, settings.MESSAGE_COOLDOWN_SECONDS // 60)
            raise ValidationError(
                {
                    "to": _(
                        "This link was sent to %(to)s less than %(minutes)s minutes ago. "
                        "Give them time before sending it again."
                    )
                    % {"to": recipient, "minutes": minutes}
                }
            )
        message = LinkMessage.objects.create(
            link=link,
            channel=channel,
            kind=kind,
            to=recipient,
            language=language,
            sent_by=current_actor().who,
        )
        link_tasks.deliver_link_message.enqueue(message_id=message.pk)
        if auto_remind and link.kind == PaymentLink.Kind.SINGLE:
            _schedule_reminders(link, message, now)
        if kind != LinkMessage.Kind.LINK:
            audit_record(
                merchant=link.merchant,
                action=AuditEvent.Action.LINK_REMINDER,
                target=link.public_id,
            )
    return message


def _schedule_reminders(link: PaymentLink, sent: LinkMessage, now: object) -> None:
    """Automatic reminders N days after sending (PAYLINKS_AUTO_REMINDER_DAYS), replacing
    any still scheduled; each runs only while the link is unpaid and accepting payments."""
    LinkMessage.objects.filter(
        link=link, kind=LinkMessage.Kind.AUTO_REMINDER, status=LinkMessage.Status.QUEUED
    ).update(status=LinkMessage.Status.CANCELLED, detail="replaced")
    for days in sorted(set(settings.AUTO_REMINDER_DAYS)):
        when = timezone.now() + timedelta(days=days)
        reminder = LinkMessage.objects.create(
            link=link,
            channel=sent.channel,
            kind=LinkMessage.Kind.AUTO_REMINDER,
            to=sent.to,
            language=sent.language,
            sent_by=sent.sent_by,
            send_after=when,
        )
        link_tasks.deliver_link_message.using(run_after=when).enqueue(message_id=reminder.pk)


def link_send(
    *,
    link: PaymentLink,
    channel: str,
    to: str = "",
    language: str = "",
    auto_remind: bool = False,
) -> None:
    """Send the link to its customer by ``channel`` ("email" or "sms"), to ``to`` or else
    the link's customer email or phone, in ``language`` (default: the merchant's).

    A text goes only to a number whose consent is recorded. With ``auto_remind``, reminders
    follow PAYLINKS_AUTO_REMINDER_DAYS days later while the link is unpaid. Raises
    ValidationError naming the field (``channel``, ``to``, ``link``)."""
    _queue(
        link=link,
        channel=channel,
        to=to,
        language=language,
        kind=LinkMessage.Kind.LINK,
        auto_remind=auto_remind,
    )


def link_send_reminder(
    *, link: PaymentLink, channel: str = "email", to: str = "", language: str = ""
) -> None:
    """Remind the link's customer to pay (single-use links), by email or text."""
    if link.kind != PaymentLink.Kind.SINGLE:
        raise ValidationError({"link": _("Reminders are for single-use links.")})
    _queue(
        link=link,
        channel=channel,
        to=to,
        language=language,
        kind=LinkMessage.Kind.REMINDER,
        auto_remind=False,
    )


def link_reminders_cancel(*, link: PaymentLink) -> int:
    """Cancel the link's scheduled automatic reminders (it was paid, deactivated, expired)."""
    return LinkMessage.objects.filter(
        link=link, kind=LinkMessage.Kind.AUTO_REMINDER, status=LinkMessage.Status.QUEUED
    ).update(status=LinkMessage.Status.CANCELLED, detail="link_closed")


def _finish(message: LinkMessage, status: str, **fields: object) -> None:
    LinkMessage.objects.filter(pk=message.pk, status=LinkMessage.Status.QUEUED).update(
        status=status, **fields
    )


def link_message_deliver(*, message_id: int, tries: int = 1) -> None:
    """Send one queued message (the task's body). A message whose link was paid or closed,
    or whose number withdrew consent meanwhile, is cancelled instead."""
    message = (
        LinkMessage.objects.select_related("link__merchant")
        .filter(pk=message_id, status=LinkMessage.Status.QUEUED)
        .first()
    )
    if message is None:
        return
    link = message.link
    if not link.accepts_payments:
        link_reminders_cancel(link=link)
        _finish(message, LinkMessage.Status.CANCELLED, detail="link_closed")
        return
    is_sms = message.channel == LinkMessage.Channel.SMS
    if is_sms and not sms_consent_active(merchant=link.merchant, phone=message.to):
        _finish(message, LinkMessage.Status.CANCELLED, detail="no_consent")
        return
    try:
        if is_sms:
            provider_id = sms.sms_send(to=message.to, body=_sms_body(message))
        else:
            emails.link_email_send(message=message)
            provider_id = ""
    except sms.SmsRefused as e:
        _finish(message, LinkMessage.Status.FAILED, detail=str(e)[:500])
        return
    except OSError as e:  # the mail server or the carrier is down: again later
        if tries >= MAX_TRIES:
            _finish(message, LinkMessage.Status.FAILED, detail=str(e)[:500])
            log.error("message %s not sent after %s tries: %s", message_id, tries, e)
            return
        delay = timedelta(minutes=2**tries)
        log.warning("message %s failed (try %s: %s), again in %s", message_id, tries, e, delay)
        link_tasks.deliver_link_message.using(run_after=timezone.now() + delay).enqueue(
            message_id=message_id, tries=tries + 1
        )
        return
    _finish(message, LinkMessage.Status.SENT, sent_at=timezone.now(), provider_id=provider_id)


def _sms_body(message: LinkMessage) -> str:
    link = message.link
    values = {
        "business": link.merchant.business_name,
        "description": link.description[:80],
        "amount": format_money(link.amount, link.currency, message.language),
        "url": settings.BASE_URL + link.path,
    }
    with translation.override(message.language):
        if message.kind == LinkMessage.Kind.LINK:
            text = _("%(business)s: %(description)s, %(amount)s. Pay securely here: %(url)s")
        else:
            text = _(
                "Reminder from %(business)s: %(description)s, %(amount)s, "
                "is still to pay. Pay securely here: %(url)s"
            )
        return (text % values) + " " + _("Reply STOP to stop these messages.")
