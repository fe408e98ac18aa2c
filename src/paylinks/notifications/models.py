from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
