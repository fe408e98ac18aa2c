"""Posting a signed event: SSRF guard (checked at connection time, against DNS rebinding),
timeout, no redirects (a 3xx is a failure), no proxy."""

import contextlib
import http.client
import ipaddress
import socket
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class UnsafeUrl(ValueError):
    pass


def _sandbox() -> bool:
    return settings.PROCESSOR == "sandbox"


def _resolve(host: str, port: int) -> list[tuple[int, Any]]:
    """Every address ``host`` resolves to, each one allowed (else UnsafeUrl): live mode
    allows only global addresses, the sandbox also loopback."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnsafeUrl(_("This host name does not resolve.")) from None
    found: list[tuple[int, Any]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if not (address.is_global or (address.is_loopback and _sandbox())):
            raise UnsafeUrl(_("This URL points to a private or local address."))
        found.append((family, sockaddr))
    return found


def check_url(url: str, *, resolve: bool = True) -> None:
    """Live mode: https only, and no private, loopback or reserved address. Sandbox mode
    also allows http and loopback, so a developer can receive events locally. No user
    name or password: the secret that proves an event is the signature."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad port or IPv6 literal
        raise UnsafeUrl(_("Enter a valid URL.")) from None
    allowed = ("https", "http") if _sandbox() else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise UnsafeUrl(
            _("The URL must start with https://.")
            if not _sandbox()
            else _("The URL must start with http:// or https://.")
        )
    if parts.username is not None or parts.password is not None:
        # urllib would take "user:pass@host" for the host name: no event could arrive.
        raise UnsafeUrl(_("The URL must not contain a user name or password."))
    if resolve:
        _resolve(parts.hostname, port or 443)


def _connect_checked(
    address: tuple[str, int],
    timeout: float | None = None,
    source_address: tuple[str, int] | None = None,
) -> socket.socket:
    """``socket.create_connection``, except that the host is resolved once, every address
    checked, and the connection made to a checked address: a name that resolves to a
    public address for the check and to a private one for the connection (DNS
    rebinding) cannot reach the private one. (TLS still checks the host name.)"""
    host, port = address
    error: OSError | None = None
    for family, sockaddr in _resolve(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError(f"cannot connect to {host}")


# The connections the current thread's post() opened, for its deadline to cut.
_posting = threading.local()


def _track(sock: socket.socket | None) -> None:
    opened = getattr(_posting, "sockets", None)
    if opened is not None and sock is not None:
        opened.append(sock)


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """Connects to checked addresses only, and tracks its socket for the current post()'s
    deadline."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect_checked

    def connect(self) -> None:
        super().connect()
        _track(self.sock)  # over HTTPS, the TLS socket (HTTPSConnection.connect's)


class _CheckedHTTPSConnection(_CheckedHTTPConnection, http.client.HTTPSConnection):
    pass


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPConnection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_CheckedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


# No proxy from the environment (the connection must go to the checked address), no
# redirect (a 3xx is a failure), connections only to checked addresses.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), _NoRedirect, _CheckedHTTPHandler, _CheckedHTTPSHandler
)


@dataclass
class Result:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int


def _excerpt(response: Any) -> bytes:
    """The answer's first 500 bytes; the status alone counts, so a body cut short is no
    failure."""
    try:
        return bytes(response.read(500))
    except (OSError, ValueError, http.client.HTTPException):
        return b""


def post(url: str, body: bytes, headers: dict[str, str]) -> Result:
    """POST ``body``; the whole exchange (connecting, sending, the answer's status line,
    headers and first 500 bytes) ends after ``WEBHOOK_TIMEOUT_SECONDS``, however slowly
    the receiver trickles its answer; whatever the receiver does, the result is a
    Result (a malformed answer is an error, never an exception)."""
    started = time.monotonic()
    limit = settings.WEBHOOK_TIMEOUT_SECONDS
    sockets: list[socket.socket] = []
    _posting.sockets = sockets
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    deadline = threading.Timer(limit, expire)
    deadline.daemon = True
    deadline.start()
    try:
        check_url(url, resolve=False)
        # http(s) only; the connection resolves the host and checks its addresses.
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
        with _opener.open(request, timeout=limit) as response:
            status, text = response.status, _excerpt(response)
        error = ""
    except urllib.error.HTTPError as e:
        status, text, error = e.code, _excerpt(e) if e.fp else b"", ""
    except UnsafeUrl as e:
        status, text, error = None, b"", str(e)
    except (OSError, ValueError, http.client.HTTPException) as e:
        status, text, error = None, b"", f"{type(e).__name__}: {e}"[:300]
    finally:
        deadline.cancel()
        _posting.sockets = None
    if expired.is_set():  # cut off: even a status line already read is no answer
        status, error = None, _("No complete answer within %(seconds)s s.") % {"seconds": limit}
    return Result(
        status_code=status,
        excerpt=text.decode("utf-8", "replace")[:500],
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
