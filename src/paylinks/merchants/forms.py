from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
