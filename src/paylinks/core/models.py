import uuid

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


def _new_installation_id() -> str:
    return uuid.uuid4().hex


class Installation(models.Model):
    """One row: this installation's random id, created on first use. Things shared with
    other installations (a Redis server) are namespaced by it."""

    uid = models.CharField(max_length=32, unique=True, default=_new_installation_id)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.uid


class WorkerHeartbeat(models.Model):
    """A running task worker, as last heard from: the tasks it runs are leased to it while
    ``last_seen`` is recent; once it is not, they go back to the queue."""

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.IntegerField()
    started_at = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.hostname}:{self.pid}"
