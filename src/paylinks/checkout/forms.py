from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from paylinks.checkout.models import Method
from paylinks.checkout.services import Delivery
from paylinks.core.forms import SecretInput
from paylinks.links.models import PaymentLink
from paylinks.processors.base import BankDetails, CardDetails


def _text(
    label: StrOrPromise, autocomplete: str, required: bool = False, **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": autocomplete, **attrs}),
    )


def _secret(label: StrOrPromise, autocomplete: str, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        widget=SecretInput(attrs={"autocomplete": autocomplete, "inputmode": "numeric"}),
    )


class PayForm(forms.Form):
    """The hosted page's form. The amount is not a field: it is the link's."""

    name = _text(_("Full name"), "name", required=True)
    email = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    method = forms.ChoiceField(
        label=_("Payment method"), choices=Method.choices, widget=forms.RadioSelect
    )
    card_name = _text(_("Name on card"), "cc-name")
    card_number = _secret(_("Card number"), "cc-number", 23)
    card_exp = forms.CharField(
        label=_("Expiry (MM/YY)"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"autocomplete": "cc-exp", "placeholder": _("MM/YY")}),
    )
    card_cvc = _secret(_("Security code (CVC)"), "cc-csc", 4)
    card_postal_code = _text(_("Postal code"), "postal-code")
    bank_holder = _text(_("Account holder"), "name")
    bank_institution = _secret(_("Institution number"), "off", 3)
    bank_transit = _secret(_("Transit number"), "off", 5)
    bank_account = _secret(_("Account number"), "off", 12)
    delivery_line1 = _text(_("Street address"), "shipping street-address")
    delivery_city = _text(_("City"), "shipping address-level2")
    delivery_region = _text(_("Province or state"), "shipping address-level1")
    delivery_postal_code = _text(_("Postal code"), "shipping postal-code")
    delivery_country = forms.ChoiceField(
        label=_("Country"),
        required=False,
        choices=[("CA", _("Canada")), ("US", _("United States")), ("FR", _("France"))],
        widget=forms.Select(attrs={"autocomplete": "shipping country"}),
    )

    # A honeypot: hidden from people (and from screen readers), filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    CARD_FIELDS = ("card_number", "card_exp", "card_cvc", "card_postal_code")
    BANK_FIELDS = ("bank_holder", "bank_institution", "bank_transit", "bank_account")
    DELIVERY_FIELDS = ("delivery_line1", "delivery_city", "delivery_postal_code")

    def __init__(self, *args: Any, link: PaymentLink, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.link = link
        allowed = [(value, label) for value, label in Method.choices if value in link.methods]
        method_field = self.fields["method"]
        assert isinstance(method_field, forms.ChoiceField)
        method_field.choices = allowed
        self.fields["method"].initial = allowed[0][0] if allowed else None
        if not link.collect_delivery:
            for name in [*self.DELIVERY_FIELDS, "delivery_region", "delivery_country"]:
                del self.fields[name]
        if link.kind == PaymentLink.Kind.SINGLE and not self.is_bound:
            self.fields["name"].initial = link.customer_name
            self.fields["email"].initial = link.customer_email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("website"):
            raise forms.ValidationError(_("This payment could not be processed."), code="bot")
        method = data.get("method")
        required: tuple[str, ...] = self.CARD_FIELDS if method == Method.CARD else self.BANK_FIELDS
        if method == Method.CARD and not data.get("card_name"):
            data["card_name"] = data.get("name", "")
        if self.link.collect_delivery:
            required = (*required, *self.DELIVERY_FIELDS)
        for name in required:
            if not (data.get(name) or "").strip():
                self.add_error(name, _("This field is required."))
        if method == Method.CARD and data.get("card_number"):
            number = "".join(data["card_number"].split()).replace("-", "")
            if not number.isdigit():
                self.add_error("card_number", _("Enter the card number's digits."))
            data["card_number"] = number
        if method == Method.CARD and data.get("card_exp"):
            exp = "".join(data["card_exp"].split())
            month, _sep, year = exp.partition("/")
            if not (month.isdigit() and year.isdigit() and len(year) in (2, 4)):
                self.add_error("card_exp", _("Enter the expiry as MM/YY."))
            else:
                data["exp_month"] = int(month)
                data["exp_year"] = int(year) + (2000 if len(year) == 2 else 0)
        return data

    def card(self) -> CardDetails:
        d = self.cleaned_data
        return CardDetails(
            number=d["card_number"],
            exp_month=d["exp_month"],
            exp_year=d["exp_year"],
            cvc=d["card_cvc"].strip(),
            postal_code=d["card_postal_code"].strip(),
            name=d["card_name"].strip(),
        )

    def delivery(self) -> Delivery | None:
        if not self.link.collect_delivery:
            return None
        d = self.cleaned_data
        return Delivery(
            line1=d["delivery_line1"],
            city=d["delivery_city"],
            region=d["delivery_region"],
            postal_code=d["delivery_postal_code"],
            country=d["delivery_country"],
        )

    def bank(self) -> BankDetails:
        d = self.cleaned_data
        return BankDetails(
            holder=d["bank_holder"].strip(),
            institution=d["bank_institution"].strip(),
            transit=d["bank_transit"].strip(),
            account_number=d["bank_account"].strip(),
        )
