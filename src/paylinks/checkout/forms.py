from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from paylinks.checkout.models import Attempt, Method
from paylinks.checkout.services import Delivery
from paylinks.core.forms import SingleLineEmailField, SingleLineField
from paylinks.core.text import max_length
from paylinks.links.models import PaymentLink


def _text(
    label: StrOrPromise, autocomplete: str, column: str, required: bool = False
) -> forms.CharField:
    return SingleLineField(
        label=label,
        required=required,
        max_length=max_length(Attempt, column),
        widget=forms.TextInput(attrs={"autocomplete": autocomplete}),
    )


class PayForm(forms.Form):
    """The hosted page's form. The amount is not a field: it is the link's, signed into
    ``checkout``. Card and bank details are not fields either: the processor's own
    fields or endpoint take them and the page sends only ``payment_token``."""

    name = _text(_("Full name"), "name", "payer_name", required=True)
    email = SingleLineEmailField(
        label=_("Email"),
        max_length=max_length(Attempt, "payer_email"),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    method = forms.ChoiceField(
        label=_("Payment method"), choices=Method.choices, widget=forms.RadioSelect
    )
    payment_token = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    checkout = forms.CharField(max_length=300, widget=forms.HiddenInput)
    delivery_line1 = _text(_("Street address"), "shipping address-line1", "delivery_line1")
    delivery_city = _text(_("City"), "shipping address-level2", "delivery_city")
    delivery_region = _text(_("Province or state"), "shipping address-level1", "delivery_region")
    delivery_postal_code = _text(_("Postal code"), "shipping postal-code", "delivery_postal_code")
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

    DELIVERY_FIELDS = ("delivery_line1", "delivery_city", "delivery_postal_code")

    def __init__(self, *args: Any, link: PaymentLink, methods: tuple[str, ...], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.link = link
        allowed = [
            (value, label)
            for value, label in Method.choices
            if value in link.methods and value in methods
        ]
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
        if self.link.collect_delivery:
            for name in self.DELIVERY_FIELDS:
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("This field is required."))
        if data.get("method") and not data.get("payment_token"):
            field = "method"
            message = (
                _("Enter your card details.")
                if data["method"] == Method.CARD
                else _("Enter your bank account details.")
            )
            self.add_error(field, message)
        return data

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
