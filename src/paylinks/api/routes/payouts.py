"""/api/v1/payouts (read-only): money the processor sent to the merchant's bank account."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from paylinks.api import schemas
from paylinks.api.auth import merchant_of
from paylinks.api.errors import not_found
from paylinks.api.objects import payout_object
from paylinks.api.routes.common import list_body, page_args
from paylinks.api.selectors import page
from paylinks.books.selectors import payout_get, payout_list
from paylinks.receipts.models import Payout

router = Router()
ObjId = Path(..., pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$", max_length=40)


@router.get(
    "/payouts",
    response={200: schemas.list_of(schemas.Payout), **schemas.ERRORS},
    operation_id="list_payouts",
    summary="List payouts, newest first",
    tags=["payouts"],
)
def list_payouts(request: HttpRequest, filters: Query[schemas.Page]) -> Any:
    rows, has_more = page(payout_list(merchant=merchant_of(request)), **page_args(filters))
    return list_body(request, rows, has_more, payout_object)


@router.get(
    "/payouts/{payout_id}",
    response={200: schemas.Payout, **schemas.ERRORS},
    operation_id="retrieve_payout",
    summary="Retrieve a payout, with the gross, fees and refunds it settles",
    tags=["payouts"],
)
def retrieve_payout(request: HttpRequest, payout_id: str = ObjId) -> Any:
    try:
        return payout_object(payout_get(merchant=merchant_of(request), public_id=payout_id))
    except Payout.DoesNotExist:
        raise not_found() from None
