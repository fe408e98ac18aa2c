"""Posting a signed event: SSRF guard, timeout, no redirects (a 3xx is a failure)."""

import ipaddress
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeUrl(ValueError):
    pass


def _sandbox() -> bool:
    return settings.PROCESSOR == "sandbox"


def check_url(url: str, *, resolve: bool = True) -> None:
    """Live mode: https only, and no private, loopback or reserved address. Sandbox mode
    also allows http and loopback, so a developer can receive events locally."""
    parts = urlsplit(url)
    allowed = ("https", "http") if _sandbox() else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise UnsafeUrl(
            _("The URL must start with https://.")
            if not _sandbox()
            else _("The URL must start with http:// or https://.")
        )
    if not resolve:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeUrl(_("This host name does not resolve.")) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address.is_loopback and _sandbox():
            continue
        if not address.is_global:
            raise UnsafeUrl(_("This URL points to a private or local address."))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


@dataclass
class Result:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    started = time.monotonic()
    try:
        check_url(url)
        # check_url allowed only http(s) to a permitted address.
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            status, text = response.status, response.read(500)
        error = ""
    except urllib.error.HTTPError as e:
        status, text, error = e.code, e.read(500) if e.fp else b"", ""
    except UnsafeUrl as e:
        status, text, error = None, b"", str(e)
    except (OSError, ValueError) as e:
        status, text, error = None, b"", f"{type(e).__name__}: {e}"[:300]
    return Result(
        status_code=status,
        excerpt=text.decode("utf-8", "replace")[:500],
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
