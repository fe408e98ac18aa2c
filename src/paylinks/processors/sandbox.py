"""The sandbox processor: behaves like a real one, with test cards and bank accounts.

Like Stripe, it stands behind a hand-off: the hosted page sends card and bank details
to the sandbox's own tokenising endpoint (``/sandbox/v1/tokens``, see sandbox_views.py),
never to checkout, and gets a token back; checkout pays with the token.

Cards (any future expiry, any 3-digit CVC; 4 digits for American Express):
    4242 4242 4242 4242  succeeds
    4000 0000 0000 0002  declined (card_declined)
    4000 0000 0000 9995  insufficient funds (insufficient_funds)
    4000 0000 0000 0069  expired card (expired_card)
    4000 0000 0000 0127  incorrect CVC (incorrect_cvc)
    4000 0000 0000 0119  processing error (processing_error)
    4000 0000 0000 5126  succeeds, but its refunds stay pending, then fail
                         (expired_or_canceled_card), like Stripe's card of that number
    any other number that passes the Luhn check succeeds; one that fails it is
    refused at payment (incorrect_number).
Bank transfers start pending and settle after PAYLINKS_SANDBOX_SETTLE_SECONDS;
account number 000111111116 fails at settlement (account_closed). A refund of a card
payment succeeds at once; a refund of a bank transfer is pending and completes after
PAYLINKS_SANDBOX_SETTLE_SECONDS.

Fees (simulated, like a card processor's): a card payment costs 2.9 % of its amount
(rounded half up to the minor unit) plus 30 minor units; a bank transfer a flat 100 minor
units (1.00 in CAD, USD, EUR). The sandbox keeps no payout ledger: paylinks' books make
its simulated daily payout (``paylinks.books.services.payouts_sandbox_make``).
"""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.templatetags.static import static
from django.utils import timezone
from django.utils.crypto import salted_hmac

from paylinks.core.db import single_statement
from paylinks.core.ids import new_id
from paylinks.processors.base import (
    ChargeResult,
    Instrument,
    InvalidToken,
    PayoutInfo,
    PayoutItem,
    ProcessorError,
    ProcessorEvent,
    RefundResult,
)
from paylinks.processors.models import SandboxCharge, SandboxRefund, SandboxToken

CARD_OUTCOMES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "processing_error",
}
FAILING_ACCOUNT = "000111111116"
REFUND_FAILING_CARD = "4000000000005126"
CARD_FEE_PER_MILLE = 29  # 2.9 %
CARD_FEE_FIXED = 30
BANK_TRANSFER_FEE = 100


def sandbox_fee(*, method: str, amount: int) -> int:
    """The sandbox's simulated fee for a payment of ``amount`` minor units."""
    if method == "bank_transfer":
        return BANK_TRANSFER_FEE
    return (amount * CARD_FEE_PER_MILLE + 500) // 1000 + CARD_FEE_FIXED


ASCII_DIGITS = re.compile(r"[0-9]+")


def luhn_valid(number: str) -> bool:
    if not ASCII_DIGITS.fullmatch(number) or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"34", "37"}:
        return "American Express"
    if 51 <= int(number[:2] or 0) <= 55 or 2221 <= int(number[:4] or 0) <= 2720:
        return "Mastercard"
    if number.startswith("6011") or number.startswith("65"):
        return "Discover"
    return "Card"


def normalise_number(text: str) -> str:
    """Spaces and dashes dropped; anything but the ASCII digits 0-9 is refused
    (full-width or Arabic-Indic digits would otherwise be other cards to a counter)."""
    number = re.sub(r"[\s-]", "", text)
    if not ASCII_DIGITS.fullmatch(number):
        raise ValueError("digits")
    return number


def _card_failure(number: str, exp_month: int, exp_year: int, cvc: str) -> str:
    if not luhn_valid(number):
        return "incorrect_number"
    if not 1 <= exp_month <= 12:
        return "invalid_expiry"
    today = timezone.localdate()
    if (exp_year, exp_month) < (today.year, today.month):
        return "expired_card"
    cvc_len = 4 if card_brand(number) == "American Express" else 3
    if not (ASCII_DIGITS.fullmatch(cvc) and len(cvc) == cvc_len):
        return "invalid_cvc"
    return CARD_OUTCOMES.get(number, "")


def tokenize_card(*, number: str, exp_month: int, exp_year: int, cvc: str) -> SandboxToken:
    """The sandbox's Stripe.js: keeps what a processor shows back, and the outcome the
    test number stands for; never the number or the CVC. Raises ValueError("digits")."""
    number = normalise_number(number)
    return SandboxToken.objects.create(
        token=new_id("tok_sbx"),
        method="card",
        brand=card_brand(number) if number else "Card",
        last4=number[-4:],
        exp_month=exp_month if 1 <= exp_month <= 12 else None,
        exp_year=exp_year if 0 < exp_year < 10000 else None,
        fingerprint=salted_hmac("paylinks.sandbox.card", number).hexdigest()[:32],
        outcome=_card_failure(number, exp_month, exp_year, cvc),
        # For a card: its refunds fail when they settle.
        fails_at_settlement=number == REFUND_FAILING_CARD,
    )


def bank_errors(*, institution: str, transit: str, account: str) -> dict[str, str]:
    """Which bank field is wrong, as codes (the page words them)."""
    errors = {}
    if not (ASCII_DIGITS.fullmatch(institution) and len(institution) == 3):
        errors["institution"] = "invalid_institution"
    if not (ASCII_DIGITS.fullmatch(transit) and len(transit) == 5):
        errors["transit"] = "invalid_transit"
    if not (ASCII_DIGITS.fullmatch(account) and 7 <= len(account) <= 12):
        errors["account"] = "invalid_account"
    return errors


def tokenize_bank_account(*, institution: str, transit: str, account: str) -> SandboxToken:
    """Raises ValueError with the field errors when a field is wrong."""
    errors = bank_errors(institution=institution, transit=transit, account=account)
    if errors:
        raise ValueError(errors)
    return SandboxToken.objects.create(
        token=new_id("ba_sbx"),
        method="bank_transfer",
        last4=account[-4:],
        fingerprint=salted_hmac(
            "paylinks.sandbox.bank", f"{institution}-{transit}-{account}"
        ).hexdigest()[:32],
        fails_at_settlement=account == FAILING_ACCOUNT,
    )


def _instrument(token: SandboxToken) -> Instrument:
    return Instrument(
        method=token.method,
        brand=token.brand,
        last4=token.last4,
        exp_month=token.exp_month,
        exp_year=token.exp_year,
        fingerprint=token.fingerprint,
    )


Settling = TypeVar("Settling", SandboxCharge, SandboxRefund)


def _settled_if_due(
    query: "QuerySet[Settling]", reference: str, missing: str, settle: Callable[[Settling], None]
) -> Settling:
    """The charge or refund ``reference``, locked while it is read: a pending one whose
    time has come is moved by ``settle`` (its status and failure code) and saved, once
    whoever asks at the same time."""
    with transaction.atomic():
        row = query.select_for_update(of=("self",)).filter(reference=reference).first()
        if row is None:
            raise ProcessorError(f"{missing}: {reference}")
        due = row.settles_at is not None and row.settles_at <= timezone.now()
        if row.status == "pending" and due:
            settle(row)
            row.save(update_fields=["status", "failure_code"])
    return row


def _result(charge: SandboxCharge) -> ChargeResult:
    return ChargeResult(
        status=charge.status,
        reference=charge.reference,
        failure_code=charge.failure_code,
        instrument=_instrument(charge.token) if charge.token else None,
        fee=sandbox_fee(method=charge.method, amount=charge.amount)
        if charge.status == "succeeded"
        else None,
    )


class SandboxProcessor:
    name = "sandbox"
    methods: tuple[str, ...] = ("card", "bank_transfer")
    test_mode = True

    def __init__(self) -> None:
        # Tokens this client has read: ``prepare`` after ``describe`` (one payment, one
        # client) does not read the same token again. A token never changes.
        self._tokens: dict[str, SandboxToken] = {}
        # Intents this client has just made: ``confirm`` after ``prepare`` (one payment,
        # one client) knows the intent it confirms without reading it again.
        self._prepared: dict[str, SandboxCharge] = {}

    def _token(self, token: str) -> SandboxToken:
        found = self._tokens.get(token) or SandboxToken.objects.filter(token=token).first()
        if found is None:
            raise InvalidToken(token)
        self._tokens[token] = found
        return found

    def describe(self, *, token: str) -> Instrument:
        return _instrument(self._token(token))

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
        """One intent per key (the same key answers with the first); a token pays once."""
        found = self._token(token)
        try:
            # A new key is the usual case: insert, and look for the first intent only if
            # the key (or the token) is taken.
            with single_statement():
                charge = SandboxCharge.objects.create(
                    reference=new_id("pi_sbx"),
                    idempotency_key=idempotency_key,
                    token=found,
                    method=found.method,
                    amount=amount,
                    currency=currency,
                    status="requires_confirmation",
                )
            self._prepared[charge.reference] = charge
        except IntegrityError:  # the same key again (or at the same time), or a token used twice
            again = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
            if again is None:
                raise InvalidToken(token) from None
            charge = again
        return _result(charge)

    def confirm(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        charge = self._prepared.pop(reference, None)
        if charge is None:  # confirmed by another client than the one that prepared it
            charge = SandboxCharge.objects.select_related("token").get(reference=reference)
        if charge.status != "requires_confirmation":
            return _result(charge)
        outcome = charge.token.outcome if charge.token else ""
        if charge.method == "bank_transfer":
            charge.status = "pending"
            delay = timedelta(seconds=settings.SANDBOX_SETTLE_SECONDS)
            charge.settles_at = timezone.now() + delay
        else:
            charge.status = "failed" if outcome else "succeeded"
            charge.failure_code = outcome
        # Confirmed once: of two confirmations at once, the one that finds the intent still
        # waiting moves it (a conditional update); the other reads what it became.
        moved = SandboxCharge.objects.filter(pk=charge.pk, status="requires_confirmation").update(
            status=charge.status, failure_code=charge.failure_code, settles_at=charge.settles_at
        )
        if not moved:
            charge = SandboxCharge.objects.select_related("token").get(pk=charge.pk)
        return _result(charge)

    def retrieve(self, *, reference: str) -> ChargeResult:
        """The charge as it is now; a bank transfer whose time has come settles or fails."""

        def settle(charge: SandboxCharge) -> None:
            if charge.token and charge.token.fails_at_settlement:
                charge.status, charge.failure_code = "failed", "account_closed"
            else:
                charge.status = "succeeded"

        query = SandboxCharge.objects.select_related("token")
        return _result(_settled_if_due(query, reference, "no such payment", settle))

    def cancel(self, *, reference: str) -> ChargeResult:
        with transaction.atomic():
            charge = (
                SandboxCharge.objects.select_for_update(of=("self",))
                .select_related("token")
                .get(reference=reference)
            )
            if charge.status in ("requires_confirmation", "requires_action"):
                charge.status = "canceled"
                charge.save(update_fields=["status"])
        return _result(charge)

    def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> RefundResult:
        """One refund per key (the same key answers with the first). A card's refund
        succeeds at once (the refund-failing card's stays pending, then fails); a bank
        transfer's is pending until PAYLINKS_SANDBOX_SETTLE_SECONDS have passed."""
        existing = SandboxRefund.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            try:
                with transaction.atomic():
                    charge = (
                        SandboxCharge.objects.select_for_update(of=("self",))
                        .select_related("token")
                        .filter(reference=reference)
                        .first()
                    )
                    if charge is None:
                        raise ProcessorError(f"no such payment: {reference}")
                    refunded = sum(
                        charge.refunds.exclude(status="failed").values_list("amount", flat=True)
                    )
                    ok = charge.status == "succeeded" and 0 < amount <= charge.amount - refunded
                    later = charge.method == "bank_transfer" or bool(
                        charge.token and charge.token.fails_at_settlement
                    )
                    delay = timedelta(seconds=settings.SANDBOX_SETTLE_SECONDS)
                    existing = SandboxRefund.objects.create(
                        reference=new_id("re_sbx"),
                        idempotency_key=idempotency_key,
                        charge=charge,
                        amount=amount if ok else 0,
                        status=("pending" if later else "succeeded") if ok else "failed",
                        failure_code="" if ok else "amount_too_large",
                        settles_at=timezone.now() + delay if ok and later else None,
                    )
            except IntegrityError:  # the same key at the same time: the first one answers
                existing = SandboxRefund.objects.get(idempotency_key=idempotency_key)
        return self.retrieve_refund(reference=existing.reference)

    def retrieve_refund(self, *, reference: str) -> RefundResult:
        """The refund as it is now; a pending one whose time has come completes."""

        def settle(refund: SandboxRefund) -> None:
            token = refund.charge.token
            if refund.charge.method == "card" and token and token.fails_at_settlement:
                refund.status, refund.failure_code = "failed", "expired_or_canceled_card"
            else:
                refund.status = "succeeded"

        query = SandboxRefund.objects.select_related("charge__token")
        refund = _settled_if_due(query, reference, "no such refund", settle)
        return RefundResult(
            status=refund.status,
            reference=refund.reference,
            failure_code=refund.failure_code,
            amount=refund.amount,
            payment_reference=refund.charge.reference,
        )

    def list_refunds(self, *, reference: str) -> list[RefundResult]:
        refunds = SandboxRefund.objects.filter(charge__reference=reference).order_by("id")
        return [self.retrieve_refund(reference=r.reference) for r in refunds]

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> ProcessorEvent:
        raise ValueError("the sandbox sends no webhooks")

    def fee(self, *, reference: str) -> int | None:
        charge = SandboxCharge.objects.filter(reference=reference).first()
        if charge is None or charge.status != "succeeded":
            return None
        return sandbox_fee(method=charge.method, amount=charge.amount)

    def payouts(self, *, limit: int = 100) -> list[PayoutInfo]:
        return []  # simulated by paylinks' books, not kept here

    def payout_items(self, *, reference: str) -> list[PayoutItem]:
        return []

    def page(self) -> dict[str, Any]:
        return {
            "name": "sandbox",
            "test_mode": True,
            "script": static("paylinks/sandbox.js"),
            "script_origins": [],
            "connect_origins": [],
            "frame_origins": [],
            "publishable_key": "",
            "tokens_url": "/sandbox/v1/tokens",
        }
