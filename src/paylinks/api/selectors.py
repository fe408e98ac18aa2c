"""Reads the API needs beyond the dashboard's selectors, and keyset pagination."""

from collections.abc import Sequence
from typing import TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _

from paylinks.api.errors import ApiError
from paylinks.api.models import ApiKey
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant

M = TypeVar("M", bound=Model)


def apikey_list(*, merchant: Merchant) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(merchant=merchant).order_by("-created_at", "-id")


def payment_list_for_merchant(
    *, merchant: Merchant, link: PaymentLink | None = None, status: str | None = None
) -> QuerySet[Payment]:
    qs = Payment.objects.filter(merchant=merchant).select_related("link")
    if link is not None:
        qs = qs.filter(link=link)
    if status:
        qs = qs.filter(status=status)
    return qs


def attempt_list_for_link(*, link: PaymentLink, outcome: str | None = None) -> QuerySet[Attempt]:
    qs = Attempt.objects.filter(link=link).select_related("link")
    if outcome:
        qs = qs.filter(outcome=outcome)
    return qs


def page(
    qs: QuerySet[M],
    *,
    limit: int,
    starting_after: str | None = None,
    ending_before: str | None = None,
) -> tuple[Sequence[M], bool]:
    """Newest first by (created_at, id), seeking from a cursor object: never an OFFSET.

    Returns the rows and whether more exist beyond them in the direction of travel."""
    if starting_after and ending_before:
        raise ApiError(
            400,
            "parameter_invalid",
            _("Give starting_after or ending_before, not both."),
            "ending_before",
        )
    cursor_id = starting_after or ending_before
    if cursor_id is None:
        rows = list(qs.order_by("-created_at", "-pk")[: limit + 1])
        return rows[:limit], len(rows) > limit
    param = "starting_after" if starting_after else "ending_before"
    found = qs.filter(public_id=cursor_id).values("created_at", "pk").first()
    if found is None:
        raise ApiError(404, "resource_missing", _("No such object."), param)
    at, pk = found["created_at"], found["pk"]
    if starting_after:
        older = Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk)
        rows = list(qs.filter(older).order_by("-created_at", "-pk")[: limit + 1])
        return rows[:limit], len(rows) > limit
    newer = Q(created_at__gt=at) | Q(created_at=at, pk__gt=pk)
    rows = list(qs.filter(newer).order_by("created_at", "pk")[: limit + 1])
    return list(reversed(rows[:limit])), len(rows) > limit
