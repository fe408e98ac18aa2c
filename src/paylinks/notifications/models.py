from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


class SmsConsent(models.Model):
    """A customer's permission to be texted by a merchant: when, how, by whom, the wording.

    A row is never edited except to revoke it; consent given again is a new row."""

    class Method(models.TextChoices):
        VERBAL = "verbal", _("Said yes in person or on the phone")
        WRITTEN = "written", _("Agreed in writing (form, email, contract)")
        TEXT = "text", _("Replied yes by text message")

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="sms_consents")
    phone = models.CharField(_("phone"), max_length=20)  # E.164
    method = models.CharField(_("how"), max_length=10, choices=Method.choices)
    wording = models.TextField(_("wording shown to the customer"))
    recorded_by = models.CharField(_("recorded by"), max_length=254)
    recorded_at = models.DateTimeField(_("when"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_via = models.CharField(_("revoked by"), max_length=254, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["merchant", "phone"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.phone} ({self.merchant_id})"


class LinkMessage(models.Model):
    """A link sent, or a reminder, to a customer by email or text: the history on the link."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Kind(models.TextChoices):
        LINK = "link", _("Link sent")
        REMINDER = "reminder", _("Reminder")
        AUTO_REMINDER = "auto_reminder", _("Automatic reminder")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Scheduled")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Not sent")
        CANCELLED = "cancelled", _("Cancelled")

    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="messages")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices)
    kind = models.CharField(_("type"), max_length=13, choices=Kind.choices)
    to = models.CharField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=5)
    status = models.CharField(
        _("status"), max_length=9, choices=Status.choices, default=Status.QUEUED
    )
    sent_by = models.CharField(_("by"), max_length=254)
    detail = models.CharField(max_length=500, blank=True)  # why not sent, for the merchant
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    send_after = models.DateTimeField(null=True, blank=True)  # automatic reminders
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["link", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.to}"


class OutboundEmail(models.Model):
    """One message to send, once. Its task claims it (``sending``) just before handing it
    to the mail server and marks it ``sent`` right after, so a task that runs again (its
    worker died, the queue handed it out twice) never sends it a second time."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        # The worker died while the mail server had it: maybe delivered, not sent again.
        UNKNOWN = "unknown", _("unknown")

    key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    message_id = models.CharField(max_length=255)
    recipients = models.TextField(blank=True)
    subject = models.TextField(blank=True)
    tries = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.key
