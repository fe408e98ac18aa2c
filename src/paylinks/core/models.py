from django.db import models
from django.utils import timezone


class FailureEvent(models.Model):
    """One failure counted against one key (a link, an IP, a card, a login…)."""

    key = models.CharField(max_length=150)
    # A reservation's id: a slot taken before a processor call, kept if it fails.
    member = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return self.key
