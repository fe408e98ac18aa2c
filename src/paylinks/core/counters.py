"""Failure counters shared by every process: in the database, or in Redis when
PAYLINKS_REDIS_URL is set. Used by the card-testing defence and login throttling.

``count``/``add``/``clear`` count what already happened. ``reserve`` takes a slot before
the thing it limits is done (a password checked, a card tried), atomically under any
concurrency: it adds one event to every key unless one of them is at its limit, so at
most ``limit`` reservations per key pass within the window, however many arrive
together. ``release`` gives the slots back (the thing succeeded, or was not done).

Keys are namespaced per installation in Redis (two installations sharing a Redis
server never see each other's counts), and a key too long for the database column is
shortened with a hash of it.
"""

import hashlib
import time
import uuid
from datetime import timedelta
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from paylinks.core.models import FailureEvent, Installation

MAX_WINDOW_SECONDS = 24 * 3600  # nothing older is ever counted
KEY_MAX_LENGTH = int(FailureEvent._meta.get_field("key").max_length or 0)


def fit(key: str) -> str:
    """``key`` if it fits the column, else its start and a hash of all of it (same key,
    same result; two long keys with the same start stay apart)."""
    if len(key) <= KEY_MAX_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: KEY_MAX_LENGTH - len(digest) - 1]}#{digest}"


@cache
def installation_id() -> str:
    """This installation's id (a row in the database, created on first use), cached
    for the life of the process."""
    return Installation.objects.get_or_create(pk=1)[0].uid


class Counter(Protocol):
    def count(self, key: str, window: int) -> int: ...
    def add(self, keys: list[str]) -> None: ...
    def clear(self, keys: list[str]) -> None: ...
    def reserve(self, limits: dict[str, int], window: int) -> str | None: ...
    def release(self, keys: list[str], token: str) -> None: ...


class DatabaseCounter:
    """One row per failure and key; counts what falls in the window."""

    def count(self, key: str, window: int) -> int:
        since = timezone.now() - timedelta(seconds=window)
        return FailureEvent.objects.filter(key=fit(key), created_at__gte=since).count()

    def add(self, keys: list[str]) -> None:
        FailureEvent.objects.bulk_create([FailureEvent(key=fit(k)) for k in keys])

    def clear(self, keys: list[str]) -> None:
        FailureEvent.objects.filter(key__in=[fit(k) for k in keys]).delete()

    def reserve(self, limits: dict[str, int], window: int) -> str | None:
        """Insert, then count: each insert is committed (autocommit) before its count,
        so of any number of concurrent reservations the last to commit sees every
        other that passed: at most ``limit`` pass. A refused one deletes its rows (it
        may make another be refused too: never more than the limit pass).

        Called inside a transaction, the rows are seen by others only at its commit:
        call it outside one for the guarantee (views run in autocommit)."""
        rows = [FailureEvent.objects.create(key=fit(key)) for key in limits]
        since = timezone.now() - timedelta(seconds=window)
        for key, limit in limits.items():
            if FailureEvent.objects.filter(key=fit(key), created_at__gte=since).count() > limit:
                FailureEvent.objects.filter(pk__in=[r.pk for r in rows]).delete()
                return None
        return ",".join(str(r.pk) for r in rows)

    def release(self, keys: list[str], token: str) -> None:
        pks = [int(pk) for pk in token.split(",") if pk.isdigit()]
        FailureEvent.objects.filter(pk__in=pks, key__in=[fit(k) for k in keys]).delete()


# KEYS: the sorted sets; ARGV: now, window, member, expiry, then one limit per key.
_RESERVE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, name in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', name, 0, now - window)
  if redis.call('ZCARD', name) >= tonumber(ARGV[4 + i]) then return 0 end
end
for i, name in ipairs(KEYS) do
  redis.call('ZADD', name, now, ARGV[3])
  redis.call('EXPIRE', name, tonumber(ARGV[4]))
end
return 1
"""


class RedisCounter:
    """A sorted set per key, scored by time; old members are trimmed on each read."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2)
        self._reserve = self.redis.register_script(_RESERVE)

    @property
    def prefix(self) -> str:
        return f"paylinks:{installation_id()}:failures:"

    def _name(self, key: str) -> str:
        return self.prefix + fit(key)

    def count(self, key: str, window: int) -> int:
        name = self._name(key)
        pipe = self.redis.pipeline()
        pipe.zremrangebyscore(name, 0, time.time() - window)
        pipe.zcard(name)
        return int(pipe.execute()[1])

    def add(self, keys: list[str]) -> None:
        now = time.time()
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.zadd(self._name(key), {uuid.uuid4().hex: now})
            pipe.expire(self._name(key), MAX_WINDOW_SECONDS)
        pipe.execute()

    def clear(self, keys: list[str]) -> None:
        if keys:
            self.redis.delete(*[self._name(k) for k in keys])

    def reserve(self, limits: dict[str, int], window: int) -> str | None:
        """One Lua script: Redis runs it alone, so checking and adding are one step."""
        token = uuid.uuid4().hex
        names = [self._name(k) for k in limits]
        args: list[str | float] = [time.time(), window, token, MAX_WINDOW_SECONDS]
        args += limits.values()
        return token if self._reserve(keys=names, args=args) == 1 else None

    def release(self, keys: list[str], token: str) -> None:
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.zrem(self._name(key), token)
        pipe.execute()


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
