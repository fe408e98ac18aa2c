from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from paylinks.checkout.models import Attempt
from paylinks.checkout.selectors import attempt_list, payment_list
from paylinks.checkout.services import link_velocity_lift, link_velocity_status
from paylinks.core.forms import apply_service_errors
from paylinks.core.http import active_language
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.links import selectors, services, sharing
from paylinks.links.forms import LinkForm
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.money import amount_to_input, format_money
from paylinks.notifications.services import link_send_reminder

PAGE_SIZE = 25
DETAIL_ROWS = 10  # latest payments and attempts on a link's page; "See all" pages the rest


def _get_link(merchant: Merchant, public_id: str) -> PaymentLink:
    try:
        return selectors.link_get(merchant=merchant, public_id=public_id)
    except PaymentLink.DoesNotExist:
        raise Http404 from None


@merchant_required
def link_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if status not in PaymentLink.Status.values:
        status = ""
    if kind not in PaymentLink.Kind.values:
        kind = ""
    links = selectors.link_list(merchant=merchant, status=status, kind=kind)
    page = paginate(request, links, keys=selectors.LIST_KEYS, size=PAGE_SIZE)
    return render(
        request,
        "links/list.html",
        {
            "page": page,
            "status": status,
            "kind": kind,
            "statuses": PaymentLink.Status.choices,
            "kinds": PaymentLink.Kind.choices,
            "merchant": merchant,
            "account": getattr(merchant, "payments_account", None),
        },
    )


@merchant_required
def link_new(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Step 1: single-use or multi-use."""
    if not merchant.can_take_payments:
        return redirect("links:list")
    kind = request.GET.get("kind")
    if kind in PaymentLink.Kind.values:
        return redirect("links:create", kind=kind)
    return render(request, "links/new.html", {"kinds": PaymentLink.Kind.choices})


@merchant_required
@require_http_methods(["GET", "POST"])
def link_create(request: HttpRequest, merchant: Merchant, kind: str) -> HttpResponse:
    """Step 2: customise, then create."""
    if kind not in PaymentLink.Kind.values:
        raise Http404
    if not merchant.can_take_payments:
        return redirect("links:list")
    form = LinkForm(
        request.POST or None,
        kind=kind,
        currency=merchant.currency,
        language=active_language(),
        initial={"show_business_name": True, "allow_card": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            link = services.link_create(merchant=merchant, kind=kind, **form.service_kwargs())
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, _("Your payment link is ready to share."))
            return redirect("links:detail", public_id=link.public_id)
    return render(
        request,
        "links/form.html",
        {"form": form, "kind_label": PaymentLink.Kind(kind).label, "creating": True},
    )


@merchant_required
def link_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    link = _get_link(merchant, public_id)
    url = settings.BASE_URL + link.path
    with translation.override(merchant.locale):
        label = _("Pay %(amount)s") % {
            "amount": format_money(link.amount, link.currency, merchant.locale)
        }
    payments = list(payment_list(link=link)[: DETAIL_ROWS + 1])
    attempts = list(attempt_list(link=link)[: DETAIL_ROWS + 1])
    return render(
        request,
        "links/detail.html",
        {
            "link": link,
            "url": url,
            "share": sharing.social_share_urls(link, url),
            "buy_button": sharing.buy_button_html(url, label),
            "is_used": selectors.link_is_used(link=link),
            "paused": link_velocity_status(link=link),
            "payments": payments[:DETAIL_ROWS],
            "more_payments": len(payments) > DETAIL_ROWS,
            "attempts": attempts[:DETAIL_ROWS],
            "more_attempts": len(attempts) > DETAIL_ROWS,
        },
    )


@merchant_required
def link_payments(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """Every payment through a link, a page at a time."""
    link = _get_link(merchant, public_id)
    page = paginate(request, payment_list(link=link), keys=selectors.LIST_KEYS, size=PAGE_SIZE)
    return render(request, "links/payments.html", {"link": link, "page": page})


@merchant_required
def link_attempts(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """Every attempt to pay through a link, a page at a time."""
    link = _get_link(merchant, public_id)
    page = paginate(request, attempt_list(link=link), keys=selectors.LIST_KEYS, size=PAGE_SIZE)
    return render(request, "links/attempts.html", {"link": link, "page": page})


@merchant_required
@require_http_methods(["GET", "POST"])
def link_edit(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    link = _get_link(merchant, public_id)
    if selectors.link_is_used(link=link):
        messages.error(request, _("This link has been used: it can no longer be edited."))
        return redirect("links:detail", public_id=link.public_id)
    initial = {name: getattr(link, name) for name in services.EDITABLE}
    initial["amount"] = amount_to_input(link.amount, link.currency, active_language())
    form = LinkForm(
        request.POST or None,
        kind=link.kind,
        currency=link.currency,
        language=active_language(),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.link_update(link=link, **form.service_kwargs())
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, _("The link was updated."))
            return redirect("links:detail", public_id=link.public_id)
    return render(
        request,
        "links/form.html",
        {"form": form, "link": link, "kind_label": link.get_kind_display(), "creating": False},
    )


@merchant_required
@require_POST
def link_set_active(
    request: HttpRequest, merchant: Merchant, public_id: str, active: bool
) -> HttpResponse:
    link = _get_link(merchant, public_id)
    try:
        if active:
            services.link_activate(link=link)
            messages.success(request, _("The link accepts payments again."))
        else:
            services.link_deactivate(link=link)
            messages.success(request, _("The link was deactivated."))
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    return redirect("links:detail", public_id=link.public_id)


@merchant_required
@require_POST
def link_remind(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    link = _get_link(merchant, public_id)
    try:
        link_send_reminder(link=link)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, _("A reminder is on its way to %(email)s.") % {"email": link.customer_email}
        )
    return redirect("links:detail", public_id=link.public_id)


@merchant_required
def link_issues(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    link = _get_link(merchant, public_id)
    if link.kind != PaymentLink.Kind.MULTI:
        raise Http404
    failed = attempt_list(link=link).filter(outcome=Attempt.Outcome.FAILED)
    page = paginate(request, failed, keys=selectors.LIST_KEYS, size=PAGE_SIZE)
    return render(
        request,
        "links/issues.html",
        {"link": link, "page": page, "paused": link_velocity_status(link=link)},
    )


@merchant_required
@require_POST
def link_lift_limit(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    link = _get_link(merchant, public_id)
    link_velocity_lift(link=link)
    messages.success(request, _("Payments through this link are accepted again."))
    return redirect("links:detail", public_id=link.public_id)


@merchant_required
def link_qr(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """The link's QR code: SVG to show, ``?format=png`` to download and print."""
    link = _get_link(merchant, public_id)
    kind = "png" if request.GET.get("format") == "png" else "svg"
    response = HttpResponse(
        sharing.qr_code(settings.BASE_URL + link.path, kind=kind),
        content_type="image/png" if kind == "png" else "image/svg+xml",
    )
    if kind == "png":
        response["Content-Disposition"] = f'attachment; filename="{link.public_id}-qr.png"'
    return response
