from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from paylinks.core.forms import apply_service_errors
from paylinks.core.http import active_language
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required, set_language_cookie
from paylinks.merchants import selectors, services
from paylinks.merchants.forms import (
    LoginForm,
    PaymentsAccountForm,
    PaymentsAccountStripeForm,
    SignupForm,
    StripeKeysForm,
)
from paylinks.merchants.models import Merchant


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
