"""Velocity limits on failed payment attempts: the card-testing defence.

Card testers rotate thousands of IP addresses, so failures are counted at once per
link, per client IP, per card fingerprint (a keyed hash of the number, never the
number) and per merchant, over a sliding window. The counts live where every web
process sees them: in the database by default, in Redis when PAYLINKS_REDIS_URL is set.
"""

import time
import uuid
from datetime import timedelta
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from paylinks.checkout.models import VelocityEvent


def card_fingerprint(number: str) -> str:
    return salted_hmac("paylinks.card-fingerprint", number).hexdigest()[:32]


def keys(*, link_id: int, merchant_id: int, client_ip: str | None, fingerprint: str) -> dict:
    found = {"link": f"link:{link_id}", "merchant": f"merchant:{merchant_id}"}
    if client_ip:
        found["ip"] = f"ip:{client_ip}"
    if fingerprint:
        found["card"] = f"card:{fingerprint}"
    return found


class Counter(Protocol):
    def count(self, key: str) -> int: ...
    def add(self, keys: list[str]) -> None: ...
    def clear(self, keys: list[str]) -> None: ...


class DatabaseCounter:
    """One row per failure and key; counts what falls in the window."""

    def count(self, key: str) -> int:
        since = timezone.now() - timedelta(seconds=settings.VELOCITY_WINDOW_SECONDS)
        return VelocityEvent.objects.filter(key=key, created_at__gte=since).count()

    def add(self, keys: list[str]) -> None:
        VelocityEvent.objects.bulk_create([VelocityEvent(key=k) for k in keys])

    def clear(self, keys: list[str]) -> None:
        VelocityEvent.objects.filter(key__in=keys).delete()


class RedisCounter:
    """A sorted set per key, scored by time; old members are trimmed on each read."""

    def __init__(self, url: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=2)
        self.prefix = "paylinks:velocity:"

    def count(self, key: str) -> int:
        window = settings.VELOCITY_WINDOW_SECONDS
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
            pipe.expire(self.prefix + key, settings.VELOCITY_WINDOW_SECONDS)
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


def tripped(found: dict[str, str]) -> str:
    """The name of the first limit these keys have reached, or ''."""
    store, max_failures = counter(), settings.VELOCITY_MAX_FAILURES
    for name, key in found.items():
        if store.count(key) >= max_failures[name]:
            return name
    return ""


def record_failure(found: dict[str, str]) -> None:
    counter().add(list(found.values()))


def clear(found_keys: list[str]) -> None:
    counter().clear(found_keys)
