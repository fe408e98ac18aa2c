"""Failure counters shared by every process: in the database, or in Redis when
PAYLINKS_REDIS_URL is set. Used by the card-testing defence and login throttling."""

import time
import uuid
from datetime import timedelta
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from paylinks.core.models import FailureEvent

MAX_WINDOW_SECONDS = 24 * 3600  # nothing older is ever counted


class Counter(Protocol):
    def count(self, key: str, window: int) -> int: ...
    def add(self, keys: list[str]) -> None: ...
    def clear(self, keys: list[str]) -> None: ...
    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]: ...
    def release_slot(self, member: str, keys: list[str]) -> None: ...
    def keep_slot(self, member: str, keys: list[str]) -> None: ...
    def count_failures(self, key: str, window: int) -> int: ...


# A slot in flight is counted like a failure, and marked: kept, it becomes a plain failure.
RESERVED = "r:"


def new_member() -> str:
    return RESERVED + uuid.uuid4().hex


class DatabaseCounter:
    """One row per failure and key; counts what falls in the window."""

    def count(self, key: str, window: int) -> int:
        since = timezone.now() - timedelta(seconds=window)
        return FailureEvent.objects.filter(key=key, created_at__gte=since).count()

    def add(self, keys: list[str]) -> None:
        FailureEvent.objects.bulk_create([FailureEvent(key=k) for k in keys])

    def clear(self, keys: list[str]) -> None:
        FailureEvent.objects.filter(key__in=keys).delete()

    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]:
        """Take one slot under every key's limit before the guarded call, or none.

        Returns (member, "") or ("", the first key at its limit). The slot is written
        (and committed) first and counted after, so concurrent callers always see each
        other: at the boundary two may both step back, never both go ahead.
        """
        member = new_member()
        FailureEvent.objects.bulk_create([FailureEvent(key=k, member=member) for k in limits])
        since = timezone.now() - timedelta(seconds=window)
        counts = dict(
            FailureEvent.objects.filter(key__in=list(limits), created_at__gte=since)
            .values_list("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        )
        for key, limit in limits.items():
            if counts.get(key, 0) > limit:
                FailureEvent.objects.filter(member=member).delete()
                return "", key
        return member, ""

    def release_slot(self, member: str, keys: list[str]) -> None:
        """Give a slot back (the guarded call did not fail)."""
        if member:
            FailureEvent.objects.filter(member=member, key__in=keys).delete()

    def keep_slot(self, member: str, keys: list[str]) -> None:
        """The guarded call failed: its slot stays, counted as a failure."""
        if member:
            FailureEvent.objects.filter(member=member, key__in=keys).update(
                member=member.removeprefix(RESERVED)
            )

    def count_failures(self, key: str, window: int) -> int:
        since = timezone.now() - timedelta(seconds=window)
        rows = FailureEvent.objects.filter(key=key, created_at__gte=since)
        return rows.exclude(member__startswith=RESERVED).count()


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

    # Checks every key, then takes a slot under all of them, atomically (one script).
    RESERVE = """
    local now, window, member = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3]
    for i, key in ipairs(KEYS) do
      redis.call('ZREMRANGEBYSCORE', key, 0, now - window)
      if redis.call('ZCARD', key) >= tonumber(ARGV[3 + i]) then return i end
    end
    for i, key in ipairs(KEYS) do
      redis.call('ZADD', key, now, member)
      redis.call('EXPIRE', key, tonumber(ARGV[3 + #KEYS + 1]))
    end
    return 0
    """

    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]:
        member = new_member()
        keys = list(limits)
        args: list[str | float] = [
            time.time(),
            window,
            member,
            *limits.values(),
            MAX_WINDOW_SECONDS,
        ]
        tripped = int(
            self.redis.eval(self.RESERVE, len(keys), *[self.prefix + k for k in keys], *args)
        )
        if tripped:
            return "", keys[tripped - 1]
        return member, ""

    def release_slot(self, member: str, keys: list[str]) -> None:
        if member:
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.zrem(self.prefix + key, member)
            pipe.execute()

    KEEP = """
    for i, key in ipairs(KEYS) do
      local score = redis.call('ZSCORE', key, ARGV[1])
      if score then
        redis.call('ZREM', key, ARGV[1])
        redis.call('ZADD', key, score, ARGV[2])
      end
    end
    return 0
    """

    def keep_slot(self, member: str, keys: list[str]) -> None:
        if member and keys:
            names = [self.prefix + k for k in keys]
            self.redis.eval(self.KEEP, len(names), *names, member, member.removeprefix(RESERVED))

    def count_failures(self, key: str, window: int) -> int:
        members: list[bytes] = self.redis.zrangebyscore(  # type: ignore[assignment]
            self.prefix + key, time.time() - window, "+inf"
        )
        return sum(1 for m in members if not m.startswith(RESERVED.encode()))


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
