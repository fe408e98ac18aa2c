"""Failure counters shared by every process: in the database, or in Redis when
PAYLINKS_REDIS_URL is set. Used by the card-testing defence and login throttling.

``count``/``add``/``clear`` count what already happened. ``reserve_slot`` takes a slot
before the thing it limits is done (a password checked, a card tried), atomically under
any concurrency: it adds one event to every key unless one of them is at its limit, so
at most ``limit`` reservations per key pass within the window, however many arrive
together. ``release_slot`` gives the slot back (the thing succeeded, or was not done),
``keep_slot`` keeps it as a plain failure; ``count_failures`` counts those only, not
the slots still in flight. ``reserve``/``release`` are the yes-or-no form of the same.

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
from django.db import connection
from django.db.models import Count
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
    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]: ...
    def release_slot(self, member: str, keys: list[str]) -> None: ...
    def keep_slot(self, member: str, keys: list[str]) -> None: ...
    def count_failures(self, key: str, window: int) -> int: ...
    def failures(self, keys: list[str], window: int) -> dict[str, int]: ...
    def reserve(self, limits: dict[str, int], window: int) -> str | None: ...
    def release(self, keys: list[str], token: str) -> None: ...


# A slot in flight is counted like a failure, and marked: kept, it becomes a plain failure.
RESERVED = "r:"


def new_member() -> str:
    return RESERVED + uuid.uuid4().hex


class _Slots:
    """``reserve``/``release`` for callers that need only yes or no (login throttling)."""

    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]:
        raise NotImplementedError

    def release_slot(self, member: str, keys: list[str]) -> None:
        raise NotImplementedError

    def reserve(self, limits: dict[str, int], window: int) -> str | None:
        return self.reserve_slot(limits, window)[0] or None

    def release(self, keys: list[str], token: str) -> None:
        self.release_slot(token, keys)


def _insert_events(keys: list[str], member: str) -> None:
    """One row per key, in ONE statement: outside a transaction it commits by itself, with
    no BEGIN/COMMIT round trips around it (``bulk_create`` always opens a transaction)."""
    table = connection.ops.quote_name(FailureEvent._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ("key", "member", "created_at"))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    params = [value for key in keys for value in (key, member, now)]
    rows = ", ".join(["(%s, %s, %s)"] * len(keys))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {rows}", params)  # noqa: S608


class DatabaseCounter(_Slots):
    """One row per failure and key; counts what falls in the window."""

    def count(self, key: str, window: int) -> int:
        since = timezone.now() - timedelta(seconds=window)
        return FailureEvent.objects.filter(key=fit(key), created_at__gte=since).count()

    def add(self, keys: list[str]) -> None:
        FailureEvent.objects.bulk_create([FailureEvent(key=fit(k)) for k in keys])

    def clear(self, keys: list[str]) -> None:
        FailureEvent.objects.filter(key__in=[fit(k) for k in keys]).delete()

    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]:
        """Take one slot under every key's limit before the guarded call, or none.

        Returns (member, "") or ("", the first key at its limit). Insert, then count:
        each insert is committed (autocommit) before its count, so concurrent callers
        always see each other: at the boundary two may both step back, never both go
        ahead. Called inside a transaction, the rows are seen by others only at its
        commit: call it outside one for the guarantee (views run in autocommit)."""
        member = new_member()
        fitted = {fit(key): limit for key, limit in limits.items()}
        _insert_events(list(fitted), member)
        since = timezone.now() - timedelta(seconds=window)
        counts = dict(
            FailureEvent.objects.filter(key__in=list(fitted), created_at__gte=since)
            .values_list("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        )
        for key, limit in zip(limits, fitted.values(), strict=True):
            if counts.get(fit(key), 0) > limit:
                FailureEvent.objects.filter(member=member).delete()
                return "", key
        return member, ""

    def release_slot(self, member: str, keys: list[str]) -> None:
        """Give a slot back (the guarded call did not fail)."""
        if member:
            FailureEvent.objects.filter(member=member, key__in=[fit(k) for k in keys]).delete()

    def keep_slot(self, member: str, keys: list[str]) -> None:
        """The guarded call failed: its slot stays, counted as a failure."""
        if member:
            FailureEvent.objects.filter(member=member, key__in=[fit(k) for k in keys]).update(
                member=member.removeprefix(RESERVED)
            )

    def count_failures(self, key: str, window: int) -> int:
        return self.failures([key], window)[key]

    def failures(self, keys: list[str], window: int) -> dict[str, int]:
        """Failures (not slots in flight) per key, in one query."""
        since = timezone.now() - timedelta(seconds=window)
        fitted = {fit(k): k for k in keys}
        rows = (
            FailureEvent.objects.filter(key__in=list(fitted), created_at__gte=since)
            .exclude(member__startswith=RESERVED)
            .values_list("key")
            .annotate(n=Count("id"))
            .values_list("key", "n")
        )
        found = {fitted[k]: n for k, n in rows}
        return {k: found.get(k, 0) for k in keys}


# KEYS: the sorted sets; ARGV: now, window, member, expiry, then one limit per key.
# Returns 0 and takes a slot under every key, or the index of the first key at its limit.
_RESERVE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
for i, name in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', name, 0, now - window)
  if redis.call('ZCARD', name) >= tonumber(ARGV[4 + i]) then return i end
end
for i, name in ipairs(KEYS) do
  redis.call('ZADD', name, now, ARGV[3])
  redis.call('EXPIRE', name, tonumber(ARGV[4]))
end
return 0
"""
# KEYS: the sorted sets; ARGV: the reserved member, the failure it becomes.
_KEEP = """
for i, name in ipairs(KEYS) do
  local score = redis.call('ZSCORE', name, ARGV[1])
  if score then
    redis.call('ZREM', name, ARGV[1])
    redis.call('ZADD', name, score, ARGV[2])
  end
end
return 0
"""


class RedisCounter(_Slots):
    """A sorted set per key, scored by time; old members are trimmed on each read."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2)
        self._reserve = self.redis.register_script(_RESERVE)
        self._keep = self.redis.register_script(_KEEP)

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

    def reserve_slot(self, limits: dict[str, int], window: int) -> tuple[str, str]:
        """One Lua script: Redis runs it alone, so checking and adding are one step."""
        member = new_member()
        keys = list(limits)
        args: list[str | float] = [time.time(), window, member, MAX_WINDOW_SECONDS]
        args += limits.values()
        tripped = int(self._reserve(keys=[self._name(k) for k in keys], args=args))
        return ("", keys[tripped - 1]) if tripped else (member, "")

    def release_slot(self, member: str, keys: list[str]) -> None:
        if member:
            pipe = self.redis.pipeline()
            for key in keys:
                pipe.zrem(self._name(key), member)
            pipe.execute()

    def keep_slot(self, member: str, keys: list[str]) -> None:
        if member and keys:
            names = [self._name(k) for k in keys]
            self._keep(keys=names, args=[member, member.removeprefix(RESERVED)])

    def count_failures(self, key: str, window: int) -> int:
        return self.failures([key], window)[key]

    def failures(self, keys: list[str], window: int) -> dict[str, int]:
        pipe = self.redis.pipeline()
        for key in keys:
            pipe.zrangebyscore(self._name(key), time.time() - window, "+inf")
        reserved = RESERVED.encode()
        return {
            key: sum(1 for m in members if not m.startswith(reserved))
            for key, members in zip(keys, pipe.execute(), strict=True)
        }


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
