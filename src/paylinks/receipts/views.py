from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language

from paylinks.checkout.models import Payment
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.merchants.models import Merchant
from paylinks.receipts import selectors
from paylinks.receipts.models import SalesReceipt
from paylinks.receipts.pdf import delivery_lines, receipt_pdf, receipt_pdf_filename


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
    return render(
        request,
        "receipts/detail.html",
        {
            "receipt": receipt,
            "merchant": merchant,
            "delivery": delivery_lines(receipt.payment, get_language() or "en"),
        },
    )


def _pdf_response(receipt: SalesReceipt, language: str, *, download: bool) -> HttpResponse:
    response = HttpResponse(receipt_pdf(receipt=receipt, language=language), "application/pdf")
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{receipt_pdf_filename(receipt, language)}"'
    )
    return response


@merchant_required
def receipt_pdf_view(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """The receipt as a PDF, in the dashboard's language."""
    try:
        receipt = selectors.receipt_get(merchant=merchant, public_id=public_id)
    except SalesReceipt.DoesNotExist:
        raise Http404 from None
    return _pdf_response(receipt, get_language() or "en", download=False)


def receipt_pdf_for_customer(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's PDF receipt, by their payment's secret token (the same token as the
    confirmation page ``/r/<token>``): link it from there as
    ``{% url 'receipt_pdf_customer' payment.token %}``."""
    payment = get_object_or_404(Payment.objects.select_related("receipt"), token=token)
    receipt = getattr(payment, "receipt", None)
    if receipt is None:
        raise Http404
    return _pdf_response(receipt, get_language() or payment.payer_language, download=True)
