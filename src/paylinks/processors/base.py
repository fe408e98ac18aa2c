"""The Processor protocol every payment processor implements, and its vocabulary.

Two ways of taking a card exist and the protocol allows both:
- direct entry (``direct_entry = True``): paylinks' hosted page collects the (test)
  card and calls ``charge_card``. Only the sandbox does this.
- hand-off (``direct_entry = False``): the processor's own fields or page collect the
  card (PCI DSS SAQ A); paylinks then confirms the result by ``retrieve``.
Every call carries an idempotency key derived from the attempt: the same key never
charges twice and ``retrieve`` answers for it after a crash.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class CardDetails:
    number: str = field(repr=False)
    exp_month: int
    exp_year: int
    cvc: str = field(repr=False)
    postal_code: str = ""
    name: str = ""


@dataclass(frozen=True)
class BankDetails:
    holder: str
    institution: str
    transit: str
    account_number: str = field(repr=False)


@dataclass(frozen=True)
class ChargeResult:
    status: str  # "succeeded", "pending" or "failed"
    reference: str = ""
    failure_code: str = ""
    card_brand: str = ""
    card_last4: str = ""
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    bank_last4: str = ""


class Processor(Protocol):
    name: str
    direct_entry: bool

    def charge_card(
        self, *, amount: int, currency: str, card: CardDetails, idempotency_key: str
    ) -> ChargeResult: ...

    def start_bank_transfer(
        self, *, amount: int, currency: str, bank: BankDetails, idempotency_key: str
    ) -> ChargeResult: ...

    def retrieve(self, *, idempotency_key: str) -> ChargeResult | None: ...

    def refresh(self, *, reference: str) -> ChargeResult:
        """The current state of a charge (a pending bank transfer settles or fails)."""
        ...


# Failure codes are stable (they go to the API and webhooks); messages are for people.
FAILURE_MESSAGES = {
    "card_declined": _("The card was declined by the bank."),
    "insufficient_funds": _("The card has insufficient funds."),
    "expired_card": _("The card has expired."),
    "incorrect_cvc": _("The security code (CVC) is incorrect."),
    "processing_error": _("An error occurred while processing the card. Try again."),
    "incorrect_number": _("The card number is not valid."),
    "invalid_expiry": _("The expiry date is not valid."),
    "invalid_cvc": _("The security code (CVC) is not valid."),
    "invalid_bank_account": _("The bank account details are not valid."),
    "account_closed": _("The bank transfer failed: the account is closed."),
    "velocity_limited": _(
        "Too many failed payment attempts: payments are paused for now. "
        "Try again later or contact the business."
    ),
}


def failure_message(code: str) -> str:
    return str(FAILURE_MESSAGES.get(code, _("The payment failed.")))


def get_processor() -> Processor:
    from django.conf import settings

    if settings.PROCESSOR == "sandbox":
        from paylinks.processors.sandbox import SandboxProcessor

        return SandboxProcessor()
    raise ValueError(f"PAYLINKS_PROCESSOR: unknown processor {settings.PROCESSOR!r}")
