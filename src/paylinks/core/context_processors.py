from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    merchant = getattr(getattr(request, "user", None), "merchant", None)
    account = getattr(merchant, "payments_account", None) if merchant is not None else None
    return {
        "SANDBOX": settings.PROCESSOR == "sandbox",
        "STRIPE_TEST_MODE": bool(account and account.processor == "stripe" and account.test_mode),
        "LANGUAGES": settings.LANGUAGES,
    }
