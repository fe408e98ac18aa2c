"""The sandbox processor: behaves like a real one, with test cards and bank accounts.

Cards (any future expiry, any 3-digit CVC; 4 digits for American Express):
    4242 4242 4242 4242  succeeds
    4000 0000 0000 0002  declined (card_declined)
    4000 0000 0000 9995  insufficient funds (insufficient_funds)
    4000 0000 0000 0069  expired card (expired_card)
    4000 0000 0000 0127  incorrect CVC (incorrect_cvc)
    4000 0000 0000 0119  processing error (processing_error)
    any other number that passes the Luhn check succeeds.
Bank transfers start pending and settle after PAYLINKS_SANDBOX_SETTLE_SECONDS;
account number 000111111116 fails at settlement (account_closed).
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from paylinks.core.ids import new_id
from paylinks.processors.base import BankDetails, CardDetails, ChargeResult
from paylinks.processors.models import SandboxCharge

CARD_OUTCOMES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000000127": "incorrect_cvc",
    "4000000000000119": "processing_error",
}
FAILING_ACCOUNT = "000111111116"


def luhn_valid(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
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


def _card_failure(card: CardDetails) -> str:
    if not luhn_valid(card.number):
        return "incorrect_number"
    if not 1 <= card.exp_month <= 12:
        return "invalid_expiry"
    today = timezone.localdate()
    if (card.exp_year, card.exp_month) < (today.year, today.month):
        return "expired_card"
    cvc_len = 4 if card_brand(card.number) == "American Express" else 3
    if not (card.cvc.isdigit() and len(card.cvc) == cvc_len):
        return "invalid_cvc"
    return CARD_OUTCOMES.get(card.number, "")


def _result(charge: SandboxCharge) -> ChargeResult:
    return ChargeResult(
        status=charge.status,
        reference=charge.reference,
        failure_code=charge.failure_code,
        card_brand=charge.card_brand,
        card_last4=charge.card_last4,
        card_exp_month=charge.card_exp_month,
        card_exp_year=charge.card_exp_year,
        bank_last4=charge.bank_last4,
    )


class SandboxProcessor:
    name = "sandbox"
    direct_entry = True

    def _record(self, *, idempotency_key: str, **fields: object) -> ChargeResult:
        """Write the charge once per key; the same key answers with the first result."""
        existing = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _result(existing)
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    reference=new_id("ch_sbx"), idempotency_key=idempotency_key, **fields
                )
        except IntegrityError:  # a concurrent call with the same key won
            charge = SandboxCharge.objects.get(idempotency_key=idempotency_key)
        return _result(charge)

    def charge_card(
        self, *, amount: int, currency: str, card: CardDetails, idempotency_key: str
    ) -> ChargeResult:
        failure = _card_failure(card)
        return self._record(
            idempotency_key=idempotency_key,
            method="card",
            amount=amount,
            currency=currency,
            status="failed" if failure else "succeeded",
            failure_code=failure,
            card_brand=card_brand(card.number) if card.number.isdigit() else "Card",
            card_last4=card.number[-4:],
            card_exp_month=card.exp_month if 1 <= card.exp_month <= 12 else None,
            card_exp_year=card.exp_year if 0 < card.exp_year < 10000 else None,
        )

    def start_bank_transfer(
        self, *, amount: int, currency: str, bank: BankDetails, idempotency_key: str
    ) -> ChargeResult:
        valid = (
            bank.institution.isdigit()
            and len(bank.institution) == 3
            and bank.transit.isdigit()
            and len(bank.transit) == 5
            and bank.account_number.isdigit()
            and 7 <= len(bank.account_number) <= 12
        )
        return self._record(
            idempotency_key=idempotency_key,
            method="bank_transfer",
            amount=amount,
            currency=currency,
            status="pending" if valid else "failed",
            failure_code="" if valid else "invalid_bank_account",
            bank_last4=bank.account_number[-4:],
            settles_at=timezone.now() + timedelta(seconds=settings.SANDBOX_SETTLE_SECONDS),
            fails_at_settlement=bank.account_number == FAILING_ACCOUNT,
        )

    def retrieve(self, *, idempotency_key: str) -> ChargeResult | None:
        charge = SandboxCharge.objects.filter(idempotency_key=idempotency_key).first()
        return _result(charge) if charge else None

    def refresh(self, *, reference: str) -> ChargeResult:
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().get(reference=reference)
            due = charge.settles_at is not None and charge.settles_at <= timezone.now()
            if charge.status == "pending" and due:
                if charge.fails_at_settlement:
                    charge.status, charge.failure_code = "failed", "account_closed"
                else:
                    charge.status = "succeeded"
                charge.save(update_fields=["status", "failure_code"])
        return _result(charge)
