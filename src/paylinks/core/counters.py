"""Failure counters shared by every process: in the database, or in Redis when
PAYLINKS_REDIS_URL is set. Used by the card-testing defence and login throttling."""

import time
import uuid
from datetime import timedelta
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from paylinks.core.models import FailureEvent

MAX_WINDOW_SECONDS = 24 * 3600  # nothing older is ever counted


class Counter(Protocol):
    def count(self, key: str, window: int) -> int: ...
    def add(self, keys: list[str]) -> None: ...
    def clear(self, keys: list[str]) -> None: ...


class DatabaseCounter:
    """One row per failure and key; counts what falls in the window."""

    def count(self, key: str, window: int) -> int:
        since = timezone.now() - timedelta(seconds=window)
        return FailureEvent.objects.filter(key=key, created_at__gte=since).count()

    def add(self, keys: list[str]) -> None:
        FailureEvent.objects.bulk_create([FailureEvent(key=k) for k in keys])

    def clear(self, keys: list[str]) -> None:
        FailureEvent.objects.filter(key__in=keys).delete()


class RedisCounter:
    """A sorted set per key, scored by time; old members are trimmed on each read."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2)
        self.prefix = "paylinks:failures:"

    def count(self, key: str, window: int) -> int:
        name = self.prefix + key
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(name, 0, time.time() - window)
        pipe.zcard(name)
        return int(pipe.execute()[1])

    def add(self, keys: list[str]) -> None:
        now = time.time()
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.zadd(self.prefix + key, {uuid.uuid4().hex: now})
            pipe.expire(self.prefix + key, MAX_WINDOW_SECONDS)
        pipe.execute()

    def clear(self, keys: list[str]) -> None:
        if keys:
            self.redis.delete(*[self.prefix + k for k in keys])


@cache
def _redis_counter(url: str) -> RedisCounter:
    return RedisCounter(url)


def counter() -> Counter:
    if settings.REDIS_URL:
        return _redis_counter(settings.REDIS_URL)
    return DatabaseCounter()


def prune() -> int:
    """Forget database failure events too old to count (the periodic task calls it)."""
    cutoff = timezone.now() - timedelta(seconds=MAX_WINDOW_SECONDS)
    return FailureEvent.objects.filter(created_at__lt=cutoff).delete()[0]
