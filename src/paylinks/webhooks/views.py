"""Dashboard: webhook endpoints, their deliveries and attempt log, resending."""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from paylinks.core.forms import apply_service_errors
from paylinks.core.views import merchant_required
from paylinks.merchants.models import Merchant
from paylinks.webhooks import selectors, services
from paylinks.webhooks.models import Delivery, WebhookEndpoint

DELIVERIES_SHOWN = 50


class EndpointForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("URL"), max_length=2000)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=200, required=False)
    enabled_events = forms.MultipleChoiceField(
        label=gettext_lazy("Events to send"),
        choices=[("*", gettext_lazy("All events"))] + [(t, t) for t in services.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )


def _endpoint(merchant: Merchant, public_id: str) -> WebhookEndpoint:
    try:
        return selectors.endpoint_get(merchant=merchant, public_id=public_id)
    except WebhookEndpoint.DoesNotExist:
        raise Http404 from None


@merchant_required
def endpoint_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = services.endpoint_create(merchant=merchant, **form.cleaned_data)
        except ValidationError as e:
            apply_service_errors(form, e)
        else:
            return redirect("webhooks:detail", endpoint.public_id)
    endpoints = selectors.endpoint_list(merchant=merchant)[:100]
    return render(request, "webhooks/list.html", {"form": form, "endpoints": endpoints})


@merchant_required
def endpoint_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    endpoint = _endpoint(merchant, public_id)
    deliveries = list(
        selectors.delivery_list(endpoint=endpoint).prefetch_related("log")[:DELIVERIES_SHOWN]
    )
    return render(
        request,
        "webhooks/detail.html",
        {
            "endpoint": endpoint,
            "deliveries": deliveries,
            "rotate_form": RotateForm(),
            "now": timezone.now(),
        },
    )


@require_POST
@merchant_required
def endpoint_set_active(
    request: HttpRequest, merchant: Merchant, public_id: str, active: bool
) -> HttpResponse:
    endpoint = _endpoint(merchant, public_id)
    services.endpoint_update(endpoint=endpoint, active=active)
    return redirect("webhooks:detail", endpoint.public_id)


class RotateForm(forms.Form):
    grace = forms.TypedChoiceField(
        label=gettext_lazy("The old secret keeps working"),
        coerce=int,
        initial=24,
        choices=[
            (0, gettext_lazy("not at all (stop it now)")),
            (1, gettext_lazy("for 1 hour")),
            (24, gettext_lazy("for 24 hours")),
            (72, gettext_lazy("for 3 days")),
            (168, gettext_lazy("for 7 days")),
        ],
    )


@require_POST
@merchant_required
def endpoint_rotate_secret(
    request: HttpRequest, merchant: Merchant, public_id: str
) -> HttpResponse:
    endpoint = _endpoint(merchant, public_id)
    form = RotateForm(request.POST)
    if form.is_valid():
        hours = form.cleaned_data["grace"]
        endpoint = services.endpoint_rotate_secret(endpoint=endpoint, grace=timedelta(hours=hours))
        if endpoint.previous_secret_expires_at:
            expires = formats.date_format(
                timezone.localtime(endpoint.previous_secret_expires_at), "SHORT_DATETIME_FORMAT"
            )
            messages.success(
                request,
                _(
                    "The endpoint has a new signing secret. Until %(time)s each event is "
                    "also signed with the old one: switch your receiver to the new secret "
                    "before then."
                )
                % {"time": expires},
            )
        else:
            messages.success(
                request, _("The endpoint has a new signing secret; the old one no longer works.")
            )
    return redirect("webhooks:detail", endpoint.public_id)


@require_POST
@merchant_required
def endpoint_delete(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    services.endpoint_delete(endpoint=_endpoint(merchant, public_id))
    messages.success(request, _("The endpoint is deleted."))
    return redirect("webhooks:list")


@require_POST
@merchant_required
def delivery_resend(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    try:
        delivery = selectors.delivery_get(merchant=merchant, public_id=public_id)
    except Delivery.DoesNotExist:
        raise Http404 from None
    services.delivery_resend(delivery=delivery)
    messages.success(request, _("The event will be sent again in a moment."))
    return redirect("webhooks:detail", delivery.endpoint.public_id)
