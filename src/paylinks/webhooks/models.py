from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.core.ids import new_id
from paylinks.merchants.models import Merchant


def endpoint_id() -> str:
    return new_id("we")


def event_id() -> str:
    return new_id("evt")


def delivery_id() -> str:
    return new_id("whd")


class WebhookEndpoint(models.Model):
    """Where a merchant's events are posted, signed with ``secret`` (Standard Webhooks)."""

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=endpoint_id)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    # Event types it receives; ["*"] for all.
    enabled_events = models.JSONField(_("events"), default=list)
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation, the old secret also signs every delivery until it expires (a second
    # signature in ``webhook-signature``), so receivers can switch without losing events.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Set at the first failure after a success; cleared by a success.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.url


def subscribed(enabled_events: list[str], event_type: str) -> bool:
    """Whether an endpoint with these ``enabled_events`` receives ``event_type``."""
    return "*" in enabled_events or event_type in enabled_events


class Event(models.Model):
    """Something that happened, written in the same transaction as the change (an outbox)."""

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=event_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=60)
    data = models.JSONField()
    livemode = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"


class Delivery(models.Model):
    """One event to one endpoint; its attempts are the log. The next attempt is computed
    from the number of attempts made (see services.SCHEDULE)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=delivery_id)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due (a worker holding it pushes it forward: a lease).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The task worker posting it right now (empty otherwise): its lease ends early when
    # that worker stops beating (killed mid-post), not only when ``next_attempt_at`` comes.
    leased_by = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.public_id


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(_("time"), auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code}"
