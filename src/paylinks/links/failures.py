"""Why a customer's attempt failed, worded for the merchant (the hosted page words the
same codes for the customer: "Try again", "your card"…)."""

from django.utils.translation import gettext_lazy as _

MERCHANT_FAILURE_MESSAGES = {
    "card_declined": _("The customer's bank declined the card."),
    "insufficient_funds": _("The customer's card had insufficient funds."),
    "expired_card": _("The customer's card has expired."),
    "incorrect_cvc": _("The customer entered a wrong security code (CVC)."),
    "processing_error": _("The card processor had an error; the customer was asked to retry."),
    "incorrect_number": _("The customer entered a card number that does not exist."),
    "invalid_expiry": _("The customer entered an invalid expiry date."),
    "invalid_cvc": _("The customer entered an invalid security code (CVC)."),
    "invalid_bank_account": _("The customer entered invalid bank account details."),
    "account_closed": _("The customer's bank account is closed: the transfer failed."),
    "velocity_limited": _(
        "Refused: payments are paused after too many failed attempts (possible card testing)."
    ),
}


def merchant_failure_message(code: str) -> str:
    if not code:
        return ""
    return str(
        MERCHANT_FAILURE_MESSAGES.get(code, _("The payment failed (%(code)s).") % {"code": code})
    )
