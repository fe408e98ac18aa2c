from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from paylinks.core.http import client_ip
from paylinks.merchants import services
from paylinks.merchants.models import PaymentsAccount

COUNTRIES = [("CA", _("Canada")), ("US", _("United States")), ("FR", _("France"))]


class SignupForm(forms.Form):
    business_name = forms.CharField(label=_("Business name"), max_length=200)
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])


class PaymentsAccountForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal business name"), max_length=200)
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    business_type = forms.ChoiceField(
        label=_("Business type"), choices=PaymentsAccount.BusinessType.choices
    )
    institution_number = forms.CharField(
        label=_("Institution number"), max_length=3, help_text=_("3 digits")
    )
    transit_number = forms.CharField(
        label=_("Transit number"), max_length=5, help_text=_("5 digits")
    )
    account_number = forms.CharField(
        label=_("Account number"),
        max_length=12,
        help_text=_("Deposits go to this account. Only its last 4 digits are kept."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )


class StripeKeysForm(forms.Form):
    """The merchant's own Stripe account: keys from the Stripe dashboard (Developers)."""

    stripe_secret_key = forms.CharField(
        label=_("Stripe secret key"),
        required=False,
        max_length=255,
        help_text=_("sk_live_… or sk_test_… (a restricted key rk_… works too). Stored encrypted."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    stripe_publishable_key = forms.CharField(
        label=_("Stripe publishable key"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    stripe_webhook_secret = forms.CharField(
        label=_("Stripe webhook signing secret"),
        required=False,
        max_length=255,
        help_text=_("whsec_…, from the webhook endpoint you add in Stripe for the URL below."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )


class PaymentsAccountStripeForm(PaymentsAccountForm, StripeKeysForm):
    """Applying with Stripe as the processor: the deposit details and the Stripe keys."""


class LoginForm(AuthenticationForm):
    """Django's login form, with throttling: after too many failures the account (and the
    address they came from) is locked for a while, whatever password is tried."""

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) if self.request else None
        if services.login_locked(email=email, ip=ip):
            raise forms.ValidationError(
                _("Too many failed attempts. Wait %(minutes)s minutes and try again.")
                % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
                code="locked",
            )
        try:
            data = super().clean()
        except forms.ValidationError:
            services.login_record_failure(email=email, ip=ip)
            raise
        services.login_record_success(email=email)
        return data
