from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from paylinks.core import csrf as fast_csrf


def site(request: HttpRequest) -> dict[str, Any]:
    merchant = getattr(getattr(request, "user", None), "merchant", None)
    account = getattr(merchant, "payments_account", None) if merchant is not None else None
    return {
        "SANDBOX": settings.PROCESSOR == "sandbox",
        "STRIPE_TEST_MODE": bool(account and account.processor == "stripe" and account.test_mode),
        "LANGUAGES": settings.LANGUAGES,
    }


def csrf(request: HttpRequest) -> dict[str, Any]:
    """``{% csrf_token %}``'s token, as Django's own processor gives it (lazily: only a page
    with a form draws one), drawn by core/csrf.py's ``get_token`` in one ``urandom`` per
    string. Listed in TEMPLATES, it overrides Django's built-in processor's value."""
    return {"csrf_token": SimpleLazyObject(lambda: fast_csrf.get_token(request))}
