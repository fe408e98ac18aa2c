"""The public form of each object, the same in API responses and webhook events."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Model

from paylinks.api.services import livemode
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import PaymentsAccount
from paylinks.receipts.models import Payout, Receipt, Refund, RefundReceipt, SalesReceipt


def ts(value: datetime | None) -> int | None:
    return None if value is None else int(value.timestamp())


def link_object(link: PaymentLink) -> dict[str, Any]:
    return {
        "id": link.public_id,
        "object": "payment_link",
        "livemode": livemode(),
        "url": settings.BASE_URL + link.path,
        "type": link.kind,
        "status": link.status,
        "active": link.is_active,
        "amount": link.amount,
        "currency": link.currency,
        "description": link.description,
        "show_business_name": link.show_business_name,
        "allow_card": link.allow_card,
        "allow_bank_transfer": link.allow_bank_transfer,
        "collect_delivery": link.collect_delivery,
        "customer_name": link.customer_name,
        "customer_email": link.customer_email,
        "customer_phone": link.customer_phone,
        "expires_on": link.expires_on,
        "max_payments": link.max_payments,
        "inactive_message": link.inactive_message,
        "payments_count": getattr(link, "payments_count", None),
        "amount_collected": getattr(link, "amount_collected", None),
        "created": ts(link.created_at),
        "updated": ts(link.updated_at),
    }


def payment_object(payment: Payment) -> dict[str, Any]:
    if Payment.receipt.is_cached(payment):  # selected with it, or known to have none yet
        known = getattr(payment, "receipt", None)
        receipt_id = known.public_id if known is not None else None
    else:
        receipt_id = (
            SalesReceipt.objects.filter(payment_id=payment.pk)
            .values_list("public_id", flat=True)
            .first()
        )
    return {
        "id": payment.public_id,
        "object": "payment",
        "livemode": livemode(),
        "payment_link": payment.link.public_id,
        "status": payment.status,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "card_brand": payment.card_brand,
        "card_last4": payment.card_last4,
        "bank_last4": payment.bank_last4,
        "failure_code": payment.failure_code,
        "payer_name": payment.payer_name,
        "payer_email": payment.payer_email,
        "delivery_status": payment.delivery_status,
        "sales_receipt": receipt_id,
        "created": ts(payment.created_at),
        "settled": ts(payment.settled_at),
        "amount_refunded": payment.amount_refunded,
        "fee": payment.fee,
        "net": payment.net,
    }


def attempt_object(attempt: Attempt) -> dict[str, Any]:
    return {
        "id": attempt.public_id,
        "object": "payment_attempt",
        "payment_link": attempt.link.public_id,
        "outcome": attempt.outcome,
        "failure_code": attempt.failure_code,
        "failure_message": str(attempt.failure_message),
        "method": attempt.method,
        "card_brand": attempt.card_brand,
        "card_last4": attempt.card_last4,
        "bank_last4": attempt.bank_last4,
        "amount": attempt.amount,
        "currency": attempt.currency,
        "payer_name": attempt.payer_name,
        "payer_email": attempt.payer_email,
        "created": ts(attempt.created_at),
    }


def _receipt_fields(receipt: Receipt) -> dict[str, Any]:
    """What sales and refund receipts both say."""
    return {
        "date": receipt.date,
        "customer_name": receipt.customer_name,
        "customer_email": receipt.customer_email,
        "description": receipt.description,
        "line_description": receipt.line_description,
        "amount": receipt.amount,
        "currency": receipt.currency,
        "payment_method": receipt.payment_method,
        "created": ts(receipt.created_at),
    }


def receipt_object(receipt: SalesReceipt) -> dict[str, Any]:
    return {
        "id": receipt.public_id,
        "object": "sales_receipt",
        "livemode": livemode(),
        "number": receipt.number,
        "payment": receipt.payment.public_id,
        "payment_link": receipt.link.public_id,
        **_receipt_fields(receipt),
    }


def refund_object(refund: Refund) -> dict[str, Any]:
    receipt = RefundReceipt.objects.filter(refund_id=refund.pk).values_list("public_id", flat=True)
    return {
        "id": refund.public_id,
        "object": "refund",
        "livemode": livemode(),
        "payment": refund.payment.public_id,
        "status": refund.status,
        "amount": refund.amount,
        "currency": refund.currency,
        "reason": refund.reason,
        "note": refund.note,
        "source": refund.source,
        "failure_code": refund.failure_code,
        "failure_message": refund.failure_message,
        "refund_receipt": receipt.first(),
        "created": ts(refund.created_at),
        "completed": ts(refund.completed_at),
    }


def refund_receipt_object(receipt: RefundReceipt) -> dict[str, Any]:
    return {
        "id": receipt.public_id,
        "object": "refund_receipt",
        "livemode": livemode(),
        "number": receipt.number,
        "refund": receipt.refund.public_id,
        "sales_receipt": receipt.sales_receipt.public_id,
        **_receipt_fields(receipt),
    }


def payout_object(payout: Payout) -> dict[str, Any]:
    from paylinks.books.services import payout_totals

    totals = payout_totals(payout=payout)
    return {
        "id": payout.public_id,
        "object": "payout",
        "livemode": livemode(),
        "amount": payout.amount,
        "currency": payout.currency,
        "status": payout.status,
        "arrival_date": payout.arrival_date,
        "processor": payout.processor,
        "processor_ref": payout.processor_ref,
        "gross": totals["gross"],
        "fees": totals["fees"],
        "refunds": totals["refunds"],
        "payments_count": totals["payments"],
        "created": ts(payout.created_at),
    }


def account_object(account: PaymentsAccount) -> dict[str, Any]:
    return {
        "id": account.public_id,
        "object": "payment_account",
        "status": account.status,
        "legal_name": account.legal_name,
        "country": account.country,
        "rejection_reason": account.rejection_reason,
        "decided": ts(account.decided_at),
    }


def to_object(obj: Model) -> dict[str, Any]:
    """Any object an event can carry, in its public form."""
    if isinstance(obj, PaymentLink):
        return link_object(obj)
    if isinstance(obj, Payment):
        return payment_object(obj)
    if isinstance(obj, SalesReceipt):
        return receipt_object(obj)
    if isinstance(obj, Attempt):
        return attempt_object(obj)
    if isinstance(obj, PaymentsAccount):
        return account_object(obj)
    if isinstance(obj, Refund):
        return refund_object(obj)
    if isinstance(obj, RefundReceipt):
        return refund_receipt_object(obj)
    raise TypeError(f"no public form for {type(obj).__name__}")
