from collections.abc import Callable

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty


def csp_with(
    script: list[str] | None = None,
    connect: list[str] | None = None,
    frame: list[str] | None = None,
) -> str:
    """The policy, allowing exactly the given extra origins (the processor's, on the payment
    pages: Stripe.js, its API and its 3-D Secure frames)."""

    def extra(origins: list[str] | None) -> str:
        return "".join(f" {o}" for o in origins or [])

    frames = " ".join(frame) if frame else "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self'{extra(script)}",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src 'self'{extra(connect)}",
            f"frame-src {frames}",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )


# No inline script or style anywhere: every page's JavaScript and CSS are static files.
CSP = csp_with()
# Django's admin (operators only) still sets a few inline styles.
ADMIN_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


# The hosted page and receipts, and the dashboard's sales pages (payment links with their
# URLs, QR codes and share pages; payments; sales receipts with their receipt URLs).
NO_STORE_PREFIXES = ("/l/", "/r/", "/sales/")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and the headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        admin = request.path.startswith("/admin/")
        response.headers.setdefault("Content-Security-Policy", ADMIN_CSP if admin else CSP)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.path.startswith(NO_STORE_PREFIXES):
            # Link and receipt URLs are secrets, and so is every dashboard page that shows
            # one (links, their QR codes, receipts): never cached. (Referrer-Policy stays
            # same-origin, which already keeps them from other sites: no-referrer would
            # make browsers send "Origin: null" with the form, and fail its CSRF check.)
            response.headers["Cache-Control"] = "no-store"
        return response


class LazyMessageMiddleware(MessageMiddleware):
    """Django's, with the message storage made only when something uses it: the hosted
    page, the API and the customer's pages never do, and making it (a cookie signer, the
    session's storage) cost every request."""

    def process_request(self, request: HttpRequest) -> None:
        request._messages = SimpleLazyObject(lambda: default_storage(request))  # type: ignore[attr-defined]

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        stored = getattr(request, "_messages", None)
        if isinstance(stored, SimpleLazyObject) and stored._wrapped is empty:  # type: ignore[attr-defined]
            return response  # never used: nothing to store
        return super().process_response(request, response)
