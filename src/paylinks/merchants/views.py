from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from paylinks.core.forms import apply_service_errors
from paylinks.core.http import active_language
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required, set_language_cookie
from paylinks.merchants import selectors, services
from paylinks.merchants.forms import (
    CustomiseForm,
    LoginForm,
    PaymentsAccountForm,
    PaymentsAccountStripeForm,
    SignupForm,
    StripeKeysForm,
)
from paylinks.merchants.models import Merchant, MerchantLogo


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    initial = {"locale": active_language()}
    form = SignupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.merchant_signup(**form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            translation.activate(user.locale)
            messages.success(request, _("Welcome! Apply for a payments account to start."))
            return set_language_cookie(redirect("links:list"), user.locale)
    return render(request, "merchants/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "merchants/login.html"
    redirect_authenticated_user = True
    authentication_form = LoginForm

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        return set_language_cookie(response, form.get_user().locale)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "merchants/password_change.html"
    success_url = reverse_lazy("links:list")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        services.password_changed(user=form.user)
        messages.success(self.request, _("Your password was changed."))
        return response


@merchant_required
def activity(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """The audit log: who did what, when, from where."""
    events = selectors.audit_events(merchant=merchant)
    page = paginate(request, events, keys=("created_at", "id"), size=50)
    return render(request, "merchants/activity.html", {"page": page})


@merchant_required
@require_http_methods(["GET", "POST"])
def payments_account(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    account = getattr(merchant, "payments_account", None)
    can_apply = account is None or account.status == account.Status.REJECTED
    stripe = settings.PROCESSOR == "stripe"
    form_class = PaymentsAccountStripeForm if stripe else PaymentsAccountForm
    posted = request.POST if request.method == "POST" else None
    applying = posted is not None and "legal_name" in posted
    form = form_class(
        posted if applying else None,
        initial={"legal_name": merchant.business_name, "country": "CA"},
    )
    keys_form = StripeKeysForm(posted if posted is not None and not applying else None)
    if applying and can_apply and form.is_valid():
        try:
            account = services.payments_account_apply(merchant=merchant, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            if account.status == account.Status.APPROVED:
                messages.success(request, _("Your payments account is approved."))
                return redirect("links:list")
            messages.success(request, _("Your application was sent. We will review it."))
            return redirect("merchants:payments_account")
    elif posted is not None and not applying and account and stripe and keys_form.is_valid():
        try:
            services.payments_account_connect_stripe(
                account=account,
                secret_key=keys_form.cleaned_data["stripe_secret_key"],
                publishable_key=keys_form.cleaned_data["stripe_publishable_key"],
                webhook_secret=keys_form.cleaned_data["stripe_webhook_secret"],
            )
        except ValidationError as e:
            apply_service_errors(keys_form, e)
        else:
            messages.success(request, _("Your Stripe keys were replaced."))
            return redirect("merchants:payments_account")
    webhook_url = ""
    if account is not None and stripe:
        webhook_url = settings.BASE_URL + reverse(
            "processors:stripe_webhook", args=[account.public_id]
        )
    response = render(
        request,
        "merchants/payments_account.html",
        {
            "account": account,
            "form": form,
            "keys_form": keys_form,
            "can_apply": can_apply,
            "stripe": stripe,
            "webhook_url": webhook_url,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@merchant_required
@require_http_methods(["GET", "POST"])
def customise(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Business settings: the name, logo and accent colour customers see."""
    form = CustomiseForm(
        request.POST or None,
        request.FILES or None,
        initial={"business_name": merchant.business_name, "accent_color": merchant.accent_color},
    )
    if request.method == "POST" and form.is_valid():
        from paylinks.merchants.branding import MAX_LOGO_BYTES

        data = form.cleaned_data
        upload = data.get("logo")
        try:
            services.merchant_customise(
                merchant=merchant,
                business_name=data["business_name"],
                accent_color=data["accent_color"] or "",
                # One byte past the limit is enough for the service to refuse it: a
                # huge upload is never read into memory whole.
                logo=upload.read(MAX_LOGO_BYTES + 1) if upload is not None else None,
                remove_logo=data["remove_logo"],
            )
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, _("Your business settings were saved."))
            return redirect("merchants:customise")
    return render(request, "merchants/customise.html", {"form": form, "merchant": merchant})


IMMUTABLE = "public, max-age=31536000, immutable"


@require_GET
def brand_logo(request: HttpRequest, merchant_id: str, version: str) -> HttpResponse:
    """Public, like the hosted page that shows it: the logo paylinks re-encoded (never
    the bytes uploaded), from paylinks itself so the hosted page's Content-Security-Policy
    stays 'self'. Its URL changes with it."""
    try:
        logo = selectors.merchant_logo(public_id=merchant_id, version=version)
    except MerchantLogo.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(bytes(logo.png), content_type="image/png")
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def brand_theme(request: HttpRequest, merchant_id: str, color: str) -> HttpResponse:
    """The accent colour as a style sheet (the pages allow no inline style)."""
    try:
        merchant = selectors.merchant_by_public_id(public_id=merchant_id)
    except Merchant.DoesNotExist:
        raise Http404 from None
    if merchant.accent_color.lstrip("#").lower() != color:
        raise Http404
    css = f":root {{ --brand: #{color}; --brand-ink: #fff; }}\n"
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = IMMUTABLE
    return response
