"""The Processor protocol every payment processor implements, and its vocabulary.

Card and bank details never reach checkout: the hosted page hands them to the
processor's own fields or endpoint (Stripe.js, or the sandbox's tokenising endpoint),
which answers with a *payment token*. Checkout passes that token on and gets back what
the processor says about it (brand, last four digits, expiry, a fingerprint).

Paying is two calls, so that money only moves after paylinks has recorded the intent:
1. ``prepare`` creates the processor's payment (an intent: no money moves) with an
   idempotency key derived from the attempt; checkout records its reference;
2. ``confirm`` moves the money (or asks the customer for an action: 3-D Secure).
``retrieve`` reads the processor's own record (recovery, webhooks, after 3-D Secure),
``cancel`` makes sure an unconfirmed or abandoned intent never completes, ``refund``
gives money back (``retrieve_refund``, ``list_refunds`` ask about refunds again),
``parse_webhook`` turns a signed processor webhook into an event.
For the books: ``fee`` tells what the processor kept of a payment, ``payouts`` and
``payout_items`` list the money it sent to the merchant's bank and what each payout holds.
A new processor is one module implementing this protocol.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from paylinks.merchants.models import Merchant


class ProcessorError(Exception):
    """The processor could not be reached or answered with an error that is not a decline."""


class InvalidToken(Exception):
    """The payment token is unknown, used, or was made for another processor."""


@dataclass(frozen=True)
class Instrument:
    """What the processor tells about a card or bank account: never its number."""

    method: str  # "card" or "bank_transfer"
    brand: str = ""
    last4: str = ""
    exp_month: int | None = None
    exp_year: int | None = None
    fingerprint: str = ""  # stable per card/account at this processor (velocity limits)


@dataclass(frozen=True)
class ChargeResult:
    """The processor's state of one payment.

    status: "requires_confirmation" (prepared, no money moved), "requires_action"
    (the customer must authenticate: ``client_secret`` lets the page do it),
    "processing" (ask again later), "pending" (a bank transfer on its way),
    "succeeded", "failed" (``failure_code`` says why) or "canceled".
    """

    status: str
    reference: str = ""
    failure_code: str = ""
    client_secret: str = field(default="", repr=False)
    instrument: Instrument | None = None
    # What the processor kept of a succeeded payment, when it says so with the result
    # (the sandbox does); None: ask ``fee`` later (Stripe books it a moment after).
    fee: int | None = None

    @property
    def final(self) -> bool:
        return self.status in ("succeeded", "pending", "failed", "canceled")


@dataclass(frozen=True)
class RefundResult:
    """The processor's state of one refund: "succeeded", "pending" (completes later: ask
    again with ``retrieve_refund``) or "failed" (``failure_code`` says why)."""

    status: str
    reference: str = ""
    failure_code: str = ""
    amount: int = 0  # when known (a refund made in the processor's own dashboard)
    payment_reference: str = ""  # the refunded payment's reference, when known
    paylinks_refund: str = ""  # our refund's public id, when paylinks asked for it


@dataclass(frozen=True)
class PayoutInfo:
    """A payout as the processor tells it: money sent to the merchant's bank account."""

    reference: str
    amount: int  # minor units, net of fees and refunds
    currency: str  # ISO 4217, upper case
    status: str  # "pending", "in_transit", "paid", "failed" or "canceled"
    arrival_date: date


@dataclass(frozen=True)
class PayoutItem:
    """One movement a payout settles: a payment (less its fee) or a refund."""

    kind: str  # "payment" or "refund"
    reference: str  # the payment's reference (as ``prepare`` returned it), or the refund's
    amount: int  # gross, minor units (a refund's is positive: the money given back)
    fee: int  # what the processor kept, minor units


@dataclass(frozen=True)
class ProcessorEvent:
    """A verified processor webhook, normalised."""

    id: str
    type: str  # the processor's own type, e.g. "payment_intent.succeeded"
    reference: str = ""  # the payment's reference, when the event is about one
    data: dict[str, Any] = field(default_factory=dict)


class Processor(Protocol):
    name: str
    # Payment methods this processor takes ("card", "bank_transfer").
    methods: tuple[str, ...]
    test_mode: bool

    def describe(self, *, token: str) -> Instrument:
        """What a payment token stands for. Raises InvalidToken."""
        ...

    def prepare(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        payer_name: str = "",
        payer_email: str = "",
    ) -> ChargeResult:
        """Create the processor's payment for a token; no money moves yet."""
        ...

    def confirm(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        """Move the money (or ask for the customer's action)."""
        ...

    def retrieve(self, *, reference: str) -> ChargeResult: ...

    def cancel(self, *, reference: str) -> ChargeResult:
        """Make sure the payment never completes; returns its final state (which may be
        "succeeded" if it completed first)."""
        ...

    def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> RefundResult:
        """Give back ``amount`` of a payment, once per idempotency key (the same key
        answers with the same refund). ``metadata`` names paylinks' refund."""
        ...

    def retrieve_refund(self, *, reference: str) -> RefundResult:
        """A refund as the processor has it now (a pending refund is asked about again)."""
        ...

    def list_refunds(self, *, reference: str) -> list[RefundResult]:
        """Every refund of a payment (those made in the processor's own dashboard too)."""
        ...

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> ProcessorEvent:
        """Verify a webhook's signature on the raw body. Raises ValueError if it is forged."""
        ...

    def page(self) -> dict[str, Any]:
        """What the hosted page needs to hand details off: script URL, keys, CSP origins."""
        ...

    def fee(self, *, reference: str) -> int | None:
        """What the processor kept of a succeeded payment, in its currency's minor units;
        None while it is not known yet (ask again later)."""
        ...

    def payouts(self, *, limit: int = 100) -> list[PayoutInfo]:
        """The latest payouts to the merchant's bank account, newest first ([] when the
        processor has none to tell: the sandbox's are simulated by paylinks' books)."""
        ...

    def payout_items(self, *, reference: str) -> list[PayoutItem]:
        """The payments and refunds one payout settles. Raises ProcessorError when the
        processor cannot tell."""
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
    "authentication_failed": _("The card's authentication (3-D Secure) was not completed."),
    "abandoned": _("The payment was not completed in time."),
    "processing_unreachable": _("The payment could not be completed. Nothing was charged."),
    "velocity_limited": _(
        "Too many failed payment attempts: payments are paused for now. "
        "Try again later or contact the business."
    ),
}


def failure_message(code: str) -> str:
    return str(FAILURE_MESSAGES.get(code, _("The payment failed.")))


def get_processor(merchant: "Merchant | None" = None) -> Processor:
    """The processor that takes a merchant's payments (its own Stripe account, the
    instance-wide one, or the sandbox). Without a merchant: the instance's default."""
    from django.conf import settings

    name = settings.PROCESSOR
    account = getattr(merchant, "payments_account", None) if merchant is not None else None
    if account is not None and account.processor:
        name = account.processor
    if name == "sandbox":
        from paylinks.processors.sandbox import SandboxProcessor

        return SandboxProcessor()
    if name == "stripe":
        from paylinks.processors.stripe import StripeProcessor

        return StripeProcessor.for_account(account)
    raise ValueError(f"PAYLINKS_PROCESSOR: unknown processor {name!r}")
