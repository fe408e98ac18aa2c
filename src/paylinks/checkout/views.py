from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from paylinks.checkout import selectors, services
from paylinks.checkout.forms import PayForm
from paylinks.checkout.models import Attempt, Method, Payment
from paylinks.core.http import active_language, client_ip
from paylinks.core.views import merchant_required
from paylinks.links.models import PaymentLink
from paylinks.links.selectors import link_by_token
from paylinks.merchants.models import Merchant
from paylinks.processors.sandbox import CARD_OUTCOMES, FAILING_ACCOUNT


@require_http_methods(["GET", "POST"])
def hosted_page(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = link_by_token(token=token)
    except PaymentLink.DoesNotExist:
        raise Http404 from None
    if not (link.accepts_payments and link.merchant.can_take_payments):
        return render(request, "checkout/unavailable.html", {"link": link}, status=200)
    form = PayForm(request.POST or None, link=link)
    failure = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            attempt = services.link_pay(
                link=link,
                method=data["method"],
                payer_name=data["name"],
                payer_email=data["email"],
                payer_language=active_language(),
                card=form.card() if data["method"] == Method.CARD else None,
                bank=form.bank() if data["method"] == Method.BANK_TRANSFER else None,
                delivery=form.delivery(),
                client_ip=client_ip(request),
            )
        except services.PaymentRefused as e:
            link.refresh_from_db()
            if not link.accepts_payments:
                return render(request, "checkout/unavailable.html", {"link": link})
            failure = str(e)
        else:
            if attempt.outcome == Attempt.Outcome.FAILED:
                failure = attempt.failure_message
            else:
                return redirect("checkout:confirmation", token=attempt.payment.token)
    return render(
        request,
        "checkout/pay.html",
        {
            "link": link,
            "form": form,
            "failure": failure,
            "test_cards": CARD_OUTCOMES,
            "failing_account": FAILING_ACCOUNT,
            "settle_seconds": settings.SANDBOX_SETTLE_SECONDS,
        },
    )


def confirmation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        payment = selectors.payment_by_token(token=token)
    except Payment.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "checkout/confirmation.html",
        {"payment": payment, "receipt": getattr(payment, "receipt", None), "link": payment.link},
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
