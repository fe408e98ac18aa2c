"""Velocity limits on failed payment attempts: the card-testing defence.

Card testers rotate thousands of IP addresses, so failures are counted at once per
link, per merchant, and, within each merchant, per client IP and per card fingerprint
(the processor's, never the number), over a sliding window. A limit is a limit: each
attempt takes a slot under every key *before* the processor is called, kept if the
processor declines, given back otherwise; so failures plus attempts in flight never
exceed it, however many web processes run. Addresses and cards are counted per
merchant: a customer paused at one merchant is not locked out of the others, and the
merchant sees (and can lift) every pause that affects its links. The counts live where
every web process sees them: the database, or Redis when PAYLINKS_REDIS_URL is set.
"""

from django.conf import settings

from paylinks.core.counters import counter


def keys(*, link_id: int, merchant_id: int, client_ip: str | None, fingerprint: str) -> dict:
    found = {"link": f"link:{link_id}", "merchant": f"merchant:{merchant_id}"}
    if client_ip:
        found["ip"] = f"merchant:{merchant_id}:ip:{client_ip}"
    if fingerprint:
        found["card"] = f"merchant:{merchant_id}:card:{fingerprint}"
    return found


def reserve(found: dict[str, str]) -> tuple[str, str]:
    """(reservation, "") or ("", the name of the limit reached)."""
    limits = {key: settings.VELOCITY_MAX_FAILURES[name] for name, key in found.items()}
    member, tripped_key = counter().reserve_slot(limits, settings.VELOCITY_WINDOW_SECONDS)
    names = {key: name for name, key in found.items()}
    return member, names.get(tripped_key, "")


def release(reservation: str, found: dict[str, str]) -> None:
    """The attempt did not fail: its slot is given back."""
    counter().release_slot(reservation, list(found.values()))


def keep(reservation: str, found: dict[str, str]) -> None:
    """The processor declined: the slot stays, a failure now."""
    counter().keep_slot(reservation, list(found.values()))


def tripped(found: dict[str, str]) -> str:
    """The name of the first limit these keys' failures have reached, or ''."""
    counts = counter().failures(list(found.values()), settings.VELOCITY_WINDOW_SECONDS)
    for name, key in found.items():
        if counts[key] >= settings.VELOCITY_MAX_FAILURES[name]:
            return name
    return ""


def clear(found_keys: list[str]) -> None:
    counter().clear(found_keys)
