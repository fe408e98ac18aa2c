from django.db import models
from django.utils import timezone


class FailureEvent(models.Model):
    """One failure counted against one key (a link, an IP, a card, a login…)."""

    key = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["key", "created_at"])]

    def __str__(self) -> str:
        return self.key


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
