from django.db.models import QuerySet

from paylinks.checkout.models import Payment
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import Refund, RefundReceipt, SalesReceipt

LIST_KEYS = ("number",)  # newest first; (merchant, number) is unique and indexed


def receipt_list(*, merchant: Merchant) -> QuerySet[SalesReceipt]:
    return SalesReceipt.objects.filter(merchant=merchant).select_related("link", "payment")


def receipt_get(*, merchant: Merchant, public_id: str) -> SalesReceipt:
    return receipt_list(merchant=merchant).get(public_id=public_id)


def refund_receipt_list(*, merchant: Merchant) -> QuerySet[RefundReceipt]:
    return RefundReceipt.objects.filter(merchant=merchant).select_related(
        "refund__payment", "sales_receipt"
    )


def refund_receipt_get(*, merchant: Merchant, public_id: str) -> RefundReceipt:
    return refund_receipt_list(merchant=merchant).get(public_id=public_id)


def refund_list(*, merchant: Merchant, payment: Payment | None = None) -> QuerySet[Refund]:
    qs = Refund.objects.filter(merchant=merchant).select_related("payment", "receipt")
    if payment is not None:
        qs = qs.filter(payment=payment)
    return qs


def refund_get(*, merchant: Merchant, public_id: str) -> Refund:
    return refund_list(merchant=merchant).get(public_id=public_id)


def payment_refunds(*, payment: Payment, limit: int = 100) -> list[Refund]:
    """A payment's refunds, newest first (bounded: at most what was paid, in cents)."""
    return list(
        Refund.objects.filter(payment=payment)
        .select_related("receipt", "requested_by")
        .order_by("-created_at", "-id")[:limit]
    )
