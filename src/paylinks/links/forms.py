from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from paylinks.core.forms import SingleLineEmailField, SingleLineField
from paylinks.core.text import max_length
from paylinks.links.models import MAX_PAYMENTS_LIMIT, PaymentLink
from paylinks.money import AmountError, parse_amount


class LinkForm(forms.Form):
    """Translates the merchant's typing into service arguments (amount in minor units)."""

    amount = forms.CharField(
        label=_("Amount"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    description = SingleLineField(
        label=_("Description"),
        max_length=max_length(PaymentLink, "description"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    show_business_name = forms.BooleanField(
        label=_("Show my business name on the payment page"), required=False
    )
    allow_card = forms.BooleanField(label=_("Credit or debit card"), required=False)
    allow_bank_transfer = forms.BooleanField(label=_("Bank transfer"), required=False)
    collect_delivery = forms.BooleanField(
        label=_("I sell a product and deliver it after being paid"),
        required=False,
        help_text=_("The payment page then asks for a delivery address."),
    )
    customer_name = SingleLineField(
        label=_("Customer name"),
        max_length=max_length(PaymentLink, "customer_name"),
        required=False,
    )
    customer_email = SingleLineEmailField(
        label=_("Customer email"),
        max_length=max_length(PaymentLink, "customer_email"),
        required=False,
    )
    # Longer than the column: spaces, dashes and brackets go when it is stored as E.164.
    customer_phone = SingleLineField(label=_("Customer phone"), max_length=30, required=False)
    expires_on = forms.DateField(
        label=_("Expiry date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Optional. The link stops accepting payments after this day."),
    )
    max_payments = forms.IntegerField(
        label=_("Maximum number of payments"),
        required=False,
        min_value=1,
        max_value=MAX_PAYMENTS_LIMIT,
        help_text=_("Optional. Leave empty for no limit."),
    )
    inactive_message = SingleLineField(
        label=_("Message shown when the link is no longer active"),
        max_length=max_length(PaymentLink, "inactive_message"),
        required=False,
    )

    def __init__(self, *args: Any, kind: str, currency: str, language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind, self.currency, self.language = kind, currency, language
        if settings.PROCESSOR == "stripe":
            self.fields["allow_bank_transfer"].help_text = _(
                "Your payment processor (Stripe) takes cards only."
            )
            self.fields["allow_bank_transfer"].disabled = True
        self.fields["amount"].help_text = _("In %(currency)s, for example %(example)s") % {
            "currency": currency,
            "example": "12,50" if language.startswith("fr") else "12.50",
        }
        if kind == PaymentLink.Kind.MULTI:
            for name in ("customer_name", "customer_email", "customer_phone"):
                del self.fields[name]
        else:
            del self.fields["max_payments"]

    def clean_amount(self) -> int:
        try:
            return parse_amount(self.cleaned_data["amount"], self.currency, self.language)
        except AmountError as e:
            raise forms.ValidationError(str(e), code=e.code) from e

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("max_payments", None)
        return data
