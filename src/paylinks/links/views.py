from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from paylinks.checkout.models import Attempt
from paylinks.checkout.selectors import attempt_list, payment_list
from paylinks.checkout.services import link_velocity_lift, link_velocity_status
from paylinks.core.forms import apply_service_errors
from paylinks.core.http import active_language
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.links import preview, selectors, services, sharing
from paylinks.links.forms import LinkForm
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.money import amount_to_input, format_money
from paylinks.notifications import sms
from paylinks.notifications.forms import LinkSendForm, SmsConsentForm
from paylinks.notifications.selectors import link_messages, sms_consent_active
from paylinks.notifications.services import (
    link_send,
    link_send_reminder,
    merchant_phone_region,
    sms_consent_record,
    sms_consent_wording,
)

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


def _detail(
    request: HttpRequest,
    merchant: Merchant,
    link: PaymentLink,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    bound = bound or {}
    url = settings.BASE_URL + link.path
    with translation.override(merchant.locale):
        label = _("Pay %(amount)s") % {
            "amount": format_money(link.amount, link.currency, merchant.locale)
        }
    payments = list(payment_list(link=link)[: DETAIL_ROWS + 1])
    attempts = list(attempt_list(link=link)[: DETAIL_ROWS + 1])
    auto_days = sorted(set(settings.AUTO_REMINDER_DAYS)) if link.kind == "single" else []
    send_forms = {}
    for channel, default_to in (("email", link.customer_email), ("sms", link.customer_phone)):
        send_forms[channel] = bound.get(channel) or LinkSendForm(
            channel=channel,
            auto_days=auto_days,
            initial={"to": default_to, "language": merchant.locale, "auto_remind": True},
        )
    phone = link.customer_phone
    consent = None
    if phone:
        try:
            consent = sms_consent_active(
                merchant=merchant,
                phone=sms.phone_normalise(phone, merchant_phone_region(merchant)),
            )
        except ValueError:
            consent = None
    consent_form = bound.get("consent") or SmsConsentForm(
        initial={
            "phone": phone,
            "wording": sms_consent_wording(
                merchant=merchant, phone=phone or "", language=merchant.locale
            ),
        }
    )
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
            "send_forms": send_forms,
            "consent": consent,
            "consent_form": consent_form,
            "link_messages": link_messages(link=link),
        },
        status=status,
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
def link_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    return _detail(request, merchant, _get_link(merchant, public_id))


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
def link_send_view(
    request: HttpRequest, merchant: Merchant, public_id: str, reminder: bool = False
) -> HttpResponse:
    """Send the link, or a reminder, by email or text message."""
    link = _get_link(merchant, public_id)
    channel = "sms" if request.POST.get("sms-channel") == "sms" else "email"
    form = LinkSendForm(request.POST, channel=channel, auto_days=settings.AUTO_REMINDER_DAYS)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if reminder:
                link_send_reminder(
                    link=link, channel=channel, to=data["to"], language=data["language"]
                )
            else:
                link_send(
                    link=link,
                    channel=channel,
                    to=data["to"],
                    language=data["language"],
                    auto_remind=bool(data.get("auto_remind")),
                )
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            to = data["to"] or (link.customer_email if channel == "email" else link.customer_phone)
            if reminder:
                messages.success(request, _("A reminder is on its way to %(to)s.") % {"to": to})
            else:
                messages.success(request, _("The link is on its way to %(to)s.") % {"to": to})
            return redirect("links:detail", public_id=link.public_id)
    return _detail(request, merchant, link, bound={channel: form}, status=400)


@merchant_required
@require_POST
def link_remind(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """A reminder by email to the link's customer (the list's and detail page's button)."""
    link = _get_link(merchant, public_id)
    try:
        link_send_reminder(link=link, channel="email")
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(
            request, _("A reminder is on its way to %(to)s.") % {"to": link.customer_email}
        )
    return redirect("links:detail", public_id=link.public_id)


@merchant_required
@require_POST
def link_sms_consent(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """Record the customer's consent to text messages (when, how, by whom, the wording)."""
    link = _get_link(merchant, public_id)
    form = SmsConsentForm(request.POST)
    if form.is_valid():
        try:
            sms_consent_record(
                merchant=merchant,
                phone=form.cleaned_data["phone"],
                method=form.cleaned_data["method"],
                wording=form.cleaned_data["wording"],
            )
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            messages.success(request, _("The customer's consent to text messages is recorded."))
            return redirect("links:detail", public_id=link.public_id)
    return _detail(request, merchant, link, bound={"consent": form}, status=400)


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


@merchant_required
def link_qr_print(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """A page to print and put on the counter: the business (logo, name, colour), what is
    sold, the amount, the QR code and the URL, in the merchant's language."""
    link = _get_link(merchant, public_id)
    with translation.override(merchant.locale):
        return render(
            request,
            "links/qr_print.html",
            {"link": link, "merchant": merchant, "url": settings.BASE_URL + link.path},
        )


@require_GET
def link_preview(request: HttpRequest, token: str) -> HttpResponse:
    """The hosted page's social preview picture (public, like the page)."""
    try:
        link = selectors.link_by_token(token=token)
    except PaymentLink.DoesNotExist:
        raise Http404 from None
    return HttpResponse(preview.preview_png(link), content_type="image/png")
