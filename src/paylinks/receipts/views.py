from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.merchants.models import Merchant
from paylinks.receipts import selectors
from paylinks.receipts.models import SalesReceipt


@merchant_required
def receipt_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    receipts = selectors.receipt_list(merchant=merchant)
    page = paginate(request, receipts, keys=selectors.LIST_KEYS, size=25)
    return render(request, "receipts/list.html", {"page": page})


@merchant_required
def receipt_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    try:
        receipt = selectors.receipt_get(merchant=merchant, public_id=public_id)
    except SalesReceipt.DoesNotExist:
        raise Http404 from None
    return render(request, "receipts/detail.html", {"receipt": receipt, "merchant": merchant})
