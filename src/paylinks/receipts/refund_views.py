"""The payment's page (its refunds and the refund form) and the refund receipts."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from paylinks.checkout.models import Payment
from paylinks.checkout.selectors import payment_get
from paylinks.core.forms import apply_service_errors
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant, User
from paylinks.money import amount_to_input, format_money
from paylinks.receipts import selectors
from paylinks.receipts.forms import RefundForm, new_refund_nonce
from paylinks.receipts.models import Refund, RefundReceipt
from paylinks.receipts.pdf import refund_receipt_pdf, refund_receipt_pdf_filename
from paylinks.receipts.refunds import refund_create


def _payment(merchant: Merchant, public_id: str) -> Payment:
    try:
        return payment_get(merchant=merchant, public_id=public_id)
    except Payment.DoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, payment: Payment, form: RefundForm | None) -> HttpResponse:
    if form is None and payment.refundable > 0:
        language = get_language() or "en"
        form = RefundForm(
            payment=payment,
            initial={
                "amount": amount_to_input(payment.refundable, payment.currency, language),
                "reason": Refund.Reason.REQUESTED_BY_CUSTOMER,
                "nonce": new_refund_nonce(),
            },
        )
    return render(
        request,
        "receipts/payment.html",
        {
            "payment": payment,
            "link": payment.link,
            "receipt": getattr(payment, "receipt", None),
            "refunds": selectors.payment_refunds(payment=payment),
            "form": form,
            "single_use": payment.link.kind == PaymentLink.Kind.SINGLE,
        },
    )


@merchant_required
def payment_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    return _page(request, _payment(merchant, public_id), None)


@merchant_required
@require_http_methods(["POST"])
def payment_refund(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """First post: the form checked, then a confirmation; second (``confirm``): refund."""
    payment = _payment(merchant, public_id)
    form = RefundForm(request.POST, payment=payment)
    if not form.is_valid():
        return _page(request, payment, form)
    data = form.cleaned_data
    if "confirm" not in request.POST:
        if data["amount"] > payment.refundable:  # said now, not after a confirmation
            form.add_error(
                "amount",
                _("You can refund at most %(max)s.")
                % {"max": format_money(payment.refundable, payment.currency, get_language())},
            )
            return _page(request, payment, form)
        return render(
            request,
            "receipts/refund_confirm.html",
            {
                "payment": payment,
                "form": form,
                "data": data,
                "link": payment.link,
                "reason_label": Refund.Reason(data["reason"]).label,
            },
        )
    try:
        refund = refund_create(
            payment=payment,
            amount=data["amount"],
            reason=data["reason"],
            note=data["note"],
            idempotency_key=f"dashboard-{data['nonce']}",
            source=Refund.Source.DASHBOARD,
            requested_by=request.user if isinstance(request.user, User) else None,
        )
    except ValidationError as e:
        apply_service_errors(form, e)
        return _page(request, payment, form)
    amount = format_money(refund.amount, refund.currency, get_language())
    if refund.status == Refund.Status.SUCCEEDED:
        messages.success(request, _("%(amount)s refunded.") % {"amount": amount})
    elif refund.status == Refund.Status.PENDING:
        messages.info(
            request,
            _("Refund of %(amount)s requested: the processor completes it later.")
            % {"amount": amount},
        )
    else:
        messages.error(
            request,
            _("The refund of %(amount)s failed: %(reason)s")
            % {"amount": amount, "reason": refund.failure_message},
        )
    return redirect("refunds:payment", public_id=payment.public_id)


@merchant_required
def refund_receipt_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    receipts = selectors.refund_receipt_list(merchant=merchant)
    page = paginate(request, receipts, keys=selectors.LIST_KEYS, size=25)
    return render(request, "receipts/refund_list.html", {"page": page})


def _refund_receipt(merchant: Merchant, public_id: str) -> RefundReceipt:
    try:
        return selectors.refund_receipt_get(merchant=merchant, public_id=public_id)
    except RefundReceipt.DoesNotExist:
        raise Http404 from None


@merchant_required
def refund_receipt_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    receipt = _refund_receipt(merchant, public_id)
    return render(
        request,
        "receipts/refund_detail.html",
        {"receipt": receipt, "merchant": merchant, "payment": receipt.refund.payment},
    )


@merchant_required
def refund_receipt_pdf_view(
    request: HttpRequest, merchant: Merchant, public_id: str
) -> HttpResponse:
    receipt = _refund_receipt(merchant, public_id)
    language = get_language() or "en"
    response = HttpResponse(
        refund_receipt_pdf(receipt=receipt, language=language), "application/pdf"
    )
    filename = refund_receipt_pdf_filename(receipt, language)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
