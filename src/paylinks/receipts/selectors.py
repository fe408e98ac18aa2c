from django.db.models import QuerySet

from paylinks.merchants.models import Merchant
from paylinks.receipts.models import SalesReceipt

LIST_KEYS = ("number",)  # newest first; (merchant, number) is unique and indexed


def receipt_list(*, merchant: Merchant) -> QuerySet[SalesReceipt]:
    return SalesReceipt.objects.filter(merchant=merchant).select_related("link", "payment")


def receipt_get(*, merchant: Merchant, public_id: str) -> SalesReceipt:
    return receipt_list(merchant=merchant).get(public_id=public_id)
