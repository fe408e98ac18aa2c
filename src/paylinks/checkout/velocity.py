"""Velocity limits on failed payment attempts: the card-testing defence.

Card testers rotate thousands of IP addresses, so failures are counted at once per
link, per client IP, per card fingerprint (a keyed hash of the number, never the
number) and per merchant, over a sliding window. The counts live where every web
process sees them: in the database by default, in Redis when PAYLINKS_REDIS_URL is set.
"""

from django.conf import settings
from django.utils.crypto import salted_hmac

from paylinks.core.counters import counter


def card_fingerprint(number: str) -> str:
    return salted_hmac("paylinks.card-fingerprint", number).hexdigest()[:32]


def keys(*, link_id: int, merchant_id: int, client_ip: str | None, fingerprint: str) -> dict:
    found = {"link": f"link:{link_id}", "merchant": f"merchant:{merchant_id}"}
    if client_ip:
        found["ip"] = f"ip:{client_ip}"
    if fingerprint:
        found["card"] = f"card:{fingerprint}"
    return found


def tripped(found: dict[str, str]) -> str:
    """The name of the first limit these keys have reached, or ''."""
    store, max_failures = counter(), settings.VELOCITY_MAX_FAILURES
    for name, key in found.items():
        if store.count(key, settings.VELOCITY_WINDOW_SECONDS) >= max_failures[name]:
            return name
    return ""


def record_failure(found: dict[str, str]) -> None:
    counter().add(list(found.values()))


def clear(found_keys: list[str]) -> None:
    counter().clear(found_keys)
