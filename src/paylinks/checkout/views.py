from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from paylinks.checkout import pages, selectors, services, tokens
from paylinks.checkout.forms import PayForm
from paylinks.checkout.models import Attempt, Payment
from paylinks.core.http import active_language, client_ip
from paylinks.core.middleware import csp_with
from paylinks.core.views import merchant_required
from paylinks.links.models import PaymentLink
from paylinks.links.selectors import link_by_token
from paylinks.merchants.models import Merchant
from paylinks.processors.base import get_processor
from paylinks.processors.sandbox import CARD_OUTCOMES, FAILING_ACCOUNT

COOKIE = "paylinks_checkout"


def _link(token: str) -> PaymentLink:
    try:
        return link_by_token(token=token)
    except PaymentLink.DoesNotExist:
        raise Http404 from None


def _page(request: HttpRequest, template: str, context: dict[str, Any], processor_page: dict):
    """Render a checkout page allowing exactly the processor's origins (PCI DSS 6.4.3)."""
    response = render(request, template, {**context, "processor": processor_page})
    return _with_csp(response, processor_page)


def _with_csp(response: HttpResponse, processor_page: dict) -> HttpResponse:
    response["Content-Security-Policy"] = csp_with(
        script=processor_page["script_origins"],
        connect=processor_page["connect_origins"],
        frame=processor_page["frame_origins"],
    )
    return response


def _remember(response: HttpResponse, link: PaymentLink, nonce: str) -> HttpResponse:
    """The browser keeps its checkout for this link: after a dropped connection, opening
    the link again shows the result of the payment instead of taking another."""
    response.set_cookie(
        COOKIE,
        nonce,
        max_age=24 * 3600,
        path=link.path,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    return response


# Which of the processor's fields a failure is about (the page marks it and links to it).
FAILURE_FIELDS = {
    "incorrect_number": "number",
    "invalid_expiry": "exp",
    "expired_card": "exp",
    "invalid_cvc": "cvc",
    "incorrect_cvc": "cvc",
    "invalid_bank_account": "account",
}
INPUT_IDS = {
    "number": "card-number",
    "exp": "card-exp",
    "cvc": "card-cvc",
    "card": "card-element",
    "institution": "bank-institution",
    "transit": "bank-transit",
    "account": "bank-account",
}


def _errors(
    form: PayForm | None, failure: str, failure_code: str, processor: str
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The error summary's entries (the id each links to, its text) and the processor
    fields' own errors: everything the customer must fix, at the top, tied to its field."""
    summary: list[tuple[str, str]] = []
    fields: dict[str, str] = {}
    if failure:
        field = FAILURE_FIELDS.get(failure_code, "")
        if field and processor != "sandbox" and field != "account":
            field = "card"
        if field:
            fields[field] = failure
        summary.append((INPUT_IDS.get(field, ""), failure))
    if form is None:
        return summary, fields
    summary += [("", str(e)) for e in form.non_field_errors()]
    colon = _(":")
    unreadable = str(services.PaymentRefused.MESSAGES["invalid_details"])
    for bound in form:
        if bound.is_hidden and bound.errors:
            # The page's own fields (the checkout, the processor's token): nothing the
            # customer can see or fix by name; the page is shown again with new ones.
            if all(text != unreadable for _target, text in summary):
                summary.append(("", unreadable))
            continue
        for e in bound.errors:
            target = bound.auto_id
            if bound.name == "method" and form.data.get("method") == "card":
                target = "card-number" if processor == "sandbox" else "card-element"
            summary.append((str(target), f"{bound.label}{colon} {e}"))
    return summary, fields


def _status_url(link: PaymentLink, attempt: Attempt) -> str:
    return reverse("checkout:status", args=[link.token, attempt.checkout])


def _next_url(link: PaymentLink, attempt: Attempt) -> str:
    """Where a submitted checkout goes: its confirmation when the payment is made (one
    request fewer for every customer), else its status page (waiting, 3-D Secure)."""
    if attempt.outcome in (Attempt.Outcome.SUCCEEDED, Attempt.Outcome.PENDING):
        payment = getattr(attempt, "payment", None)
        if payment is not None:
            return reverse("checkout:confirmation", args=[payment.token])
    return _status_url(link, attempt)


@require_http_methods(["GET", "POST"])
def hosted_page(request: HttpRequest, token: str) -> HttpResponse:
    link = _link(token)
    if not (link.accepts_payments and link.merchant.can_take_payments):
        return render(request, "checkout/unavailable.html", {"link": link}, status=200)
    processor = get_processor(link.merchant)
    failure = failure_code = ""
    previous_payment = None
    nonce = request.COOKIES.get(COOKIE, "")
    form: PayForm | None
    if request.method == "GET":
        if request.GET.get("another") or not tokens.valid_nonce(nonce):
            nonce = tokens.new_nonce()
        else:
            previous = services.attempt_for_checkout(link=link, nonce=nonce)
            if previous is not None and previous.outcome in services.WAITING:
                return redirect(_status_url(link, previous))
            if previous is not None:
                # Paid (the answer may have been lost with the connection) or failed:
                # say so, and a new checkout for whatever the customer does next.
                previous_payment = getattr(previous, "payment", None)
                nonce = tokens.new_nonce()
        form = None  # made below, only if the page is rendered
    else:
        form = PayForm(request.POST, link=link, methods=processor.methods)
        if form.is_valid():
            data = form.cleaned_data
            checkout = tokens.verify(data["checkout"])
            if checkout is None:
                failure = str(services.PaymentRefused.MESSAGES["link_changed"])
                failure_code = "link_changed"
                nonce = tokens.new_nonce()
            else:
                nonce = checkout.nonce
                try:
                    attempt = services.link_pay(
                        link=link,
                        checkout=checkout,
                        method=data["method"],
                        payment_token=data["payment_token"],
                        payer_name=data["name"],
                        payer_email=data["email"],
                        payer_language=active_language(),
                        delivery=form.delivery(),
                        client_ip=client_ip(request),
                    )
                except services.PaymentRefused as e:
                    link.refresh_from_db()
                    if not link.accepts_payments:
                        return render(request, "checkout/unavailable.html", {"link": link})
                    failure, failure_code = str(e), e.code
                    if e.code == "link_changed":
                        nonce = tokens.new_nonce()
                else:
                    if attempt.outcome == Attempt.Outcome.FAILED:
                        failure = attempt.failure_message
                        failure_code = attempt.failure_code
                        nonce = tokens.new_nonce()
                    else:
                        return redirect(_next_url(link, attempt))
    checkout = tokens.Checkout(nonce=nonce, amount=link.amount, currency=link.currency)
    processor_page = processor.page()
    error_summary, card_errors = _errors(form, failure, failure_code, processor_page["name"])
    context = {
        "link": link,
        "error_summary": error_summary,
        "card_errors": card_errors,
        "previous_payment": previous_payment,
        "test_cards": CARD_OUTCOMES,
        "failing_account": FAILING_ACCOUNT,
        "settle_seconds": settings.SANDBOX_SETTLE_SECONDS,
        "cards_only": processor.methods == ("card",),
        "processor": processor_page,
    }
    if form is not None:
        # A new checkout on the re-shown form; typed details kept, the used token dropped.
        data = request.POST.copy()
        data["checkout"], data["payment_token"] = tokens.sign(checkout), ""
        form.data = data
        response = _page(request, "checkout/pay.html", {**context, "form": form}, processor_page)
    elif previous_payment is None and pages.cacheable(request):
        # What every customer of the link sees: rendered once, this load's tokens filled in.
        html = pages.render(
            request,
            "checkout/pay.html",
            context,
            rows=link,
            form=lambda: PayForm(
                link=link, methods=processor.methods, initial={"checkout": pages.CHECKOUT_MARK}
            ),
            checkout=tokens.sign(checkout),
        )
        response = _with_csp(HttpResponse(html), processor_page)
    else:
        form = PayForm(link=link, methods=processor.methods)
        form.initial["checkout"] = tokens.sign(checkout)
        response = _page(request, "checkout/pay.html", {**context, "form": form}, processor_page)
    return _remember(response, link, nonce)


@require_http_methods(["GET", "POST"])
def checkout_status(request: HttpRequest, token: str, nonce: str) -> HttpResponse:
    """Where a submitted checkout is followed: waiting for the processor (the page refreshes
    itself), the customer's 3-D Secure step, or the result."""
    link = _link(token)
    attempt = services.attempt_for_checkout(link=link, nonce=nonce)
    if attempt is None:
        raise Http404
    if request.method == "POST" or attempt.outcome == Attempt.Outcome.PROCESSING:
        attempt = services.attempt_refresh(attempt=attempt)
        if request.method == "POST":
            return redirect(_status_url(link, attempt))
    payment = Payment.objects.filter(attempt=attempt).first()
    if payment is not None:
        return redirect("checkout:confirmation", token=payment.token)
    processor = get_processor(link.merchant)
    client_secret = services.attempt_client_secret(attempt=attempt)
    return _page(
        request,
        "checkout/status.html",
        {"link": link, "attempt": attempt, "client_secret": client_secret},
        processor.page(),
    )


def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payment = selectors.payment_by_token(token=token)
    except Payment.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "checkout/confirmation.html",
        {
            "payment": payment,
            "receipt": getattr(payment, "receipt", None),
            "link": payment.link,
            "refunds": selectors.payment_refunds_for_customer(payment=payment),
        },
    )


@merchant_required
@require_POST
def payment_delivered(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    try:
        payment = selectors.payment_get(merchant=merchant, public_id=public_id)
    except Payment.DoesNotExist:
        raise Http404 from None
    try:
        services.payment_mark_delivered(payment=payment)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("Marked as delivered."))
    return redirect("links:detail", public_id=payment.link.public_id)
