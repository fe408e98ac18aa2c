from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.core.ids import new_id
from paylinks.merchants.models import Merchant


def apikey_id() -> str:
    return new_id("key")


class ApiKey(models.Model):
    """A merchant's secret API key. Only its SHA-256 is stored; the key is shown once."""

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=apikey_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100, blank=True)
    livemode = models.BooleanField(default=False)
    # The key's first characters (``plk_test_ab12``), to tell keys apart in the dashboard.
    prefix = models.CharField(max_length=24)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.prefix}…"


class IdempotencyKey(models.Model):
    """A POST's Idempotency-Key, per merchant: the first request's response is replayed.

    ``response_status`` is null while the first request is still running."""

    merchant = models.ForeignKey(
        Merchant, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=300)
    fingerprint = models.CharField(max_length=64)
    locked_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "key"], name="idempotency_key_per_merchant")
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return self.key
