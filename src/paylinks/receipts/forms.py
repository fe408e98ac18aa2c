import secrets
from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from paylinks.checkout.models import Payment
from paylinks.core.forms import SingleLineField
from paylinks.money import AmountError, parse_amount
from paylinks.receipts.models import Refund


def new_refund_nonce() -> str:
    """The form's own key: a resubmitted form (double click, back and post again) finds
    the refund it made, never makes a second."""
    return secrets.token_urlsafe(18)


class RefundForm(forms.Form):
    """Translates the merchant's typing into ``refund_create`` arguments."""

    amount = forms.CharField(
        label=_("Amount to refund"), widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Refund.Reason.choices)
    note = SingleLineField(
        label=_("Note (for your books)"),
        max_length=500,
        required=False,
        help_text=_("Optional. Not shown to the customer."),
    )
    nonce = forms.CharField(widget=forms.HiddenInput, max_length=40)

    def __init__(self, *args: Any, payment: Payment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.payment = payment

    def clean_amount(self) -> int:
        try:
            return parse_amount(
                self.cleaned_data["amount"], self.payment.currency, get_language() or "en"
            )
        except AmountError as e:
            raise forms.ValidationError(str(e), code=e.code) from None
