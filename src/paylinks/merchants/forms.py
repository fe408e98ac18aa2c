from typing import Any

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from paylinks.core.forms import SingleLineEmailField, SingleLineField
from paylinks.core.http import client_ip
from paylinks.core.text import max_length
from paylinks.merchants import services
from paylinks.merchants.models import COUNTRIES, Merchant, PaymentsAccount, User


class SignupForm(forms.Form):
    business_name = SingleLineField(
        label=_("Business name"), max_length=max_length(Merchant, "business_name")
    )
    email = SingleLineEmailField(
        label=_("Email"),
        max_length=max_length(User, "email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    locale = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    currency = forms.ChoiceField(label=_("Currency"), choices=[(c, c) for c in settings.CURRENCIES])


class PaymentsAccountForm(forms.Form):
    legal_name = SingleLineField(
        label=_("Legal business name"), max_length=max_length(PaymentsAccount, "legal_name")
    )
    country = forms.ChoiceField(label=_("Country"), choices=COUNTRIES)
    business_type = forms.ChoiceField(
        label=_("Business type"), choices=PaymentsAccount.BusinessType.choices
    )
    institution_number = SingleLineField(
        label=_("Institution number"),
        max_length=max_length(PaymentsAccount, "institution_number"),
        help_text=_("3 digits"),
    )
    transit_number = SingleLineField(
        label=_("Transit number"),
        max_length=max_length(PaymentsAccount, "transit_number"),
        help_text=_("5 digits"),
    )
    account_number = SingleLineField(
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


class ThrottledLoginMixin:
    """Login throttling for Django's login forms: a slot is reserved for each guess
    before the password is checked (``services.login_reserve``), so simultaneous guesses
    cannot all be checked before the first failures are counted. Past the limit the
    account (and the address the guesses come from) is locked for a while, whatever
    password is tried."""

    request: HttpRequest | None
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username") or ""
        if not (email and self.cleaned_data.get("password")):
            return super().clean()  # type: ignore[misc]  # nothing is checked
        ip = client_ip(self.request) if self.request else None
        token = services.login_reserve(email=email, ip=ip)
        if token is None:
            raise forms.ValidationError(
                _("Too many failed attempts. Wait %(minutes)s minutes and try again.")
                % {"minutes": settings.LOGIN_LOCKOUT_SECONDS // 60},
                code="locked",
            )
        data = super().clean()  # type: ignore[misc]  # a wrong guess keeps its slot
        services.login_record_success(email=email, ip=ip, token=token)
        return data


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The merchants' login form."""


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The operators' login form at /admin/login/, throttled the same way."""


class CustomiseForm(forms.Form):
    """What customers see of the business: its name, logo and accent colour."""

    business_name = SingleLineField(
        label=_("Business name"), max_length=max_length(Merchant, "business_name")
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG or JPEG, at most 512 KB. Shown at most 512 pixels wide."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)
    accent_color = SingleLineField(
        label=_("Accent colour"),
        required=False,
        max_length=7,
        help_text=_(
            "A hex colour like #0a7d4f for the Pay button and the emails' header; white text "
            "must be readable on it. Empty: paylinks' green."
        ),
        widget=forms.TextInput(attrs={"placeholder": "#0a7d4f", "spellcheck": "false"}),
    )
