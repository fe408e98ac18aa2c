"""/api/v1/payments and /api/v1/sales_receipts (read-only)."""

from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from paylinks.api import schemas
from paylinks.api.auth import merchant_of
from paylinks.api.errors import not_found
from paylinks.api.objects import payment_object, receipt_object
from paylinks.api.routes.common import list_body, page_args
from paylinks.api.selectors import page, payment_list_for_merchant
from paylinks.checkout.models import Payment
from paylinks.checkout.selectors import payment_get
from paylinks.links.models import PaymentLink
from paylinks.links.selectors import link_get
from paylinks.receipts.models import SalesReceipt
from paylinks.receipts.selectors import receipt_get, receipt_list

router = Router()
ObjId = Path(..., pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$", max_length=40)


@router.get(
    "/payments",
    response={200: schemas.list_of(schemas.Payment), **schemas.ERRORS},
    operation_id="list_payments",
    summary="List payments, newest first",
    tags=["payments"],
)
def list_payments(request: HttpRequest, filters: Query[schemas.PaymentFilters]) -> Any:
    merchant = merchant_of(request)
    link = None
    if filters.payment_link:
        try:
            link = link_get(merchant=merchant, public_id=filters.payment_link)
        except PaymentLink.DoesNotExist:
            raise not_found("payment_link") from None
    qs = payment_list_for_merchant(merchant=merchant, link=link, status=filters.status)
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, payment_object)


@router.get(
    "/payments/{payment_id}",
    response={200: schemas.Payment, **schemas.ERRORS},
    operation_id="retrieve_payment",
    summary="Retrieve a payment",
    tags=["payments"],
)
def retrieve_payment(request: HttpRequest, payment_id: str = ObjId) -> Any:
    try:
        return payment_object(payment_get(merchant=merchant_of(request), public_id=payment_id))
    except Payment.DoesNotExist:
        raise not_found() from None


@router.get(
    "/sales_receipts",
    response={200: schemas.list_of(schemas.SalesReceipt), **schemas.ERRORS},
    operation_id="list_sales_receipts",
    summary="List sales receipts, newest first",
    tags=["sales_receipts"],
)
def list_sales_receipts(request: HttpRequest, filters: Query[schemas.Page]) -> Any:
    rows, has_more = page(receipt_list(merchant=merchant_of(request)), **page_args(filters))
    return list_body(request, rows, has_more, receipt_object)


@router.get(
    "/sales_receipts/{receipt_id}",
    response={200: schemas.SalesReceipt, **schemas.ERRORS},
    operation_id="retrieve_sales_receipt",
    summary="Retrieve a sales receipt",
    tags=["sales_receipts"],
)
def retrieve_sales_receipt(request: HttpRequest, receipt_id: str = ObjId) -> Any:
    try:
        return receipt_object(receipt_get(merchant=merchant_of(request), public_id=receipt_id))
    except SalesReceipt.DoesNotExist:
        raise not_found() from None
