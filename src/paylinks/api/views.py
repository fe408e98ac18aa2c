"""Dashboard: the merchant's API keys (created here, shown once; revoked here)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from paylinks.api import selectors, services
from paylinks.core.views import merchant_required
from paylinks.merchants.models import Merchant


class KeyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)


@merchant_required
def key_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    form = KeyForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _key, secret = services.apikey_create(merchant=merchant, name=form.cleaned_data["name"])
        form = KeyForm()
    keys = selectors.apikey_list(merchant=merchant)[:100]
    return render(
        request,
        "api/keys.html",
        {
            "form": form,
            "keys": keys,
            "secret": secret,
            "api_url": settings.BASE_URL + "/api/v1",
        },
    )


@require_POST
@merchant_required
def key_revoke(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    key = selectors.apikey_list(merchant=merchant).filter(public_id=public_id).first()
    if key is None:
        raise Http404
    services.apikey_revoke(key=key)
    messages.success(request, _("The key %(prefix)s… is revoked.") % {"prefix": key.prefix})
    return redirect("apikeys:list")
