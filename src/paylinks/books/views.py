from collections.abc import Iterator

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from paylinks.books import selectors
from paylinks.books.exports import export_csv, export_filename
from paylinks.books.forms import ExportForm, TotalsForm, month_start
from paylinks.books.services import payout_totals
from paylinks.core.pagination import paginate
from paylinks.core.views import merchant_required
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import Payout


def _encoded(lines: Iterator[str]) -> Iterator[bytes]:
    for line in lines:
        yield line.encode("utf-8")


@merchant_required
def exports(request: HttpRequest, merchant: Merchant) -> HttpResponseBase:
    """The export form; with its fields in the query, the CSV itself, streamed."""
    status = 200
    if "kind" in request.GET:
        form = ExportForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            lines = export_csv(
                merchant=merchant,
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                deposit_to=data["deposit_to"].strip(),
            )
            response = StreamingHttpResponse(
                _encoded(lines), content_type="text/csv; charset=utf-8"
            )
            name = export_filename(kind=data["kind"], start=data["start"], end=data["end"])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
        status = 400
    else:
        form = ExportForm(
            initial={"kind": "sales_receipts", "start": month_start(), "end": timezone.localdate()}
        )
    return render(
        request, "books/exports.html", {"form": form, "merchant": merchant}, status=status
    )


@merchant_required
def totals(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    """Gross, refunds, fees and net per day or month over a chosen range."""
    params = request.GET if "start" in request.GET else None
    form = TotalsForm(
        params
        or {
            "start": month_start().isoformat(),
            "end": timezone.localdate().isoformat(),
            "by": "day",
        }
    )
    context: dict = {"form": form, "merchant": merchant, "currency": merchant.currency}
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        rows, total = selectors.period_totals(
            merchant=merchant,
            start=data["start"],
            end=data["end"],
            by=data["by"],
            currency=merchant.currency,
        )
        context.update(rows=rows, total=total, by=data["by"], start=data["start"], end=data["end"])
    else:
        status = 400
    return render(request, "books/totals.html", context, status=status)


@merchant_required
def payout_list(request: HttpRequest, merchant: Merchant) -> HttpResponse:
    payouts = selectors.payout_list(merchant=merchant)
    page = paginate(request, payouts, keys=selectors.PAYOUT_LIST_KEYS, size=25)
    return render(request, "books/payouts.html", {"page": page, "merchant": merchant})


def _payout(merchant: Merchant, public_id: str) -> Payout:
    """The merchant's payout, or a 404 (another merchant's is not found either)."""
    try:
        return selectors.payout_get(merchant=merchant, public_id=public_id)
    except Payout.DoesNotExist:
        raise Http404 from None


@merchant_required
def payout_detail(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    payout = _payout(merchant, public_id)
    payments = paginate(
        request, selectors.payout_payments(payout=payout), keys=selectors.PAYOUT_ITEM_KEYS, size=50
    )
    # The latest few refunds; all of them, paged, on their own page.
    latest = list(selectors.payout_refunds(payout=payout).order_by("-created_at", "-id")[:11])
    return render(
        request,
        "books/payout.html",
        {
            "payout": payout,
            "page": payments,
            "refunds": latest[:10],
            "more_refunds": len(latest) > 10,
            "totals": payout_totals(payout=payout),
            "merchant": merchant,
        },
    )


@merchant_required
def payout_refunds(request: HttpRequest, merchant: Merchant, public_id: str) -> HttpResponse:
    """Every refund a payout settled, paged by key."""
    payout = _payout(merchant, public_id)
    page = paginate(
        request, selectors.payout_refunds(payout=payout), keys=selectors.PAYOUT_ITEM_KEYS, size=50
    )
    return render(
        request,
        "books/payout_refunds.html",
        {"payout": payout, "page": page, "refunds": page.object_list, "merchant": merchant},
    )
