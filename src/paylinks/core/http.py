import ipaddress

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

from paylinks.money import site_language


def active_language() -> str:
    """The site language ("fr" or "en") of the request being answered."""
    return site_language(translation.get_language() or "en")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer, or behind N trusted proxies the address the
    outermost of them saw (X-Forwarded-For entries added before it can be forged)."""
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if hops and len(forwarded) >= hops:
        candidate = forwarded[-hops]
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            pass
    return request.META.get("REMOTE_ADDR") or None
