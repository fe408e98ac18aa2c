from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render

from paylinks.merchants.models import Merchant


def merchant_required(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Log in first; then the view gets ``merchant`` (the user's own) as an argument."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        merchant: Merchant | None = getattr(request.user, "merchant", None)
        if merchant is None:
            raise Http404
        return view(request, merchant, *args, **kwargs)

    return wrapper


def set_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard for a merchant; for a visitor, what paylinks is, with Sign up and Log in."""
    if request.user.is_authenticated:
        merchant = getattr(request.user, "merchant", None)
        if merchant is None:
            return redirect("links:list")
        return dashboard(request, merchant)
    return render(request, "core/landing.html")


def dashboard(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Money collected today / 7 / 30 days, payments and failures, links to look at."""
    from paylinks.core.selectors import chart_bars, dashboard_summary

    summary = dashboard_summary(merchant=merchant)
    return render(
        request,
        "core/dashboard.html",
        {
            "summary": summary,
            "bars": chart_bars(summary.days),
            "first_day": summary.days[0][0],
            "last_day": summary.days[-1][0],
            "merchant": merchant,
            "account": getattr(merchant, "payments_account", None),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico``, which browsers ask for whatever the page says."""
    path = finders.find("paylinks/favicon.ico")
    if not path:
        raise Http404
    with open(path, "rb") as f:
        response = HttpResponse(f.read(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response
