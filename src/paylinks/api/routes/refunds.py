"""/api/v1/payments/{id}/refunds, /api/v1/refunds and /api/v1/refund_receipts: the same
service as the dashboard's refund form."""

import secrets
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Path, Query, Router
from pydantic import BaseModel, Field

from paylinks.api import schemas
from paylinks.api.auth import merchant_of
from paylinks.api.errors import not_found
from paylinks.api.objects import refund_object, refund_receipt_object
from paylinks.api.routes.common import list_body, page_args
from paylinks.api.selectors import page
from paylinks.checkout.models import Payment
from paylinks.checkout.selectors import payment_get
from paylinks.receipts import selectors
from paylinks.receipts.models import Refund, RefundReceipt
from paylinks.receipts.refunds import refund_create

router = Router()
ObjId = Path(..., pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$", max_length=40)

RefundReason = Literal["requested_by_customer", "duplicate", "fraudulent", "other"]


class RefundCreate(schemas.Input):
    amount: schemas.Amount | None = Field(
        None, description="In minor units; the whole amount left to refund if omitted."
    )
    currency: str | None = Field(
        None, min_length=3, max_length=3, description="If given, the payment's currency."
    )
    reason: RefundReason = "requested_by_customer"
    note: schemas.Text(500) = ""  # type: ignore[valid-type]


class RefundOut(BaseModel):
    id: str
    object: Literal["refund"]
    livemode: bool
    payment: str
    status: Literal["pending", "succeeded", "failed", "canceled"]
    amount: int
    currency: str
    reason: RefundReason
    note: str
    source: Literal["dashboard", "api", "processor"]
    failure_code: str
    failure_message: str
    refund_receipt: str | None
    created: int
    completed: int | None


class RefundReceiptOut(BaseModel):
    id: str
    object: Literal["refund_receipt"]
    livemode: bool
    number: int
    refund: str
    sales_receipt: str
    date: Any
    customer_name: str
    customer_email: str
    description: str
    line_description: str
    amount: int
    currency: str
    payment_method: str
    created: int


class RefundFilters(schemas.Page):
    payment: schemas.ObjectId | None = None
    status: Literal["pending", "succeeded", "failed", "canceled"] | None = None


@router.post(
    "/payments/{payment_id}/refunds",
    response={200: RefundOut, **schemas.ERRORS},
    operation_id="create_refund",
    summary="Refund a payment, in full or in part",
    description=(
        "Never more than is left to refund across the payment's refunds. The "
        "Idempotency-Key header is also the refund's own key: the same key gives back the "
        "same refund. The refund may be `pending` (the processor completes it later) or "
        "`failed`; a `succeeded` one has its refund receipt."
    ),
    tags=["refunds"],
)
def create_refund(request: HttpRequest, payload: RefundCreate, payment_id: str = ObjId) -> Any:
    merchant = merchant_of(request)
    try:
        payment = payment_get(merchant=merchant, public_id=payment_id)
    except Payment.DoesNotExist:
        raise not_found() from None
    key = request.headers.get("Idempotency-Key") or f"api-{secrets.token_hex(16)}"
    # No amount: what is left (or, if nothing is, the whole: its error then says why); the
    # key's own refund if it made one already (what is left has changed since).
    amount = payload.amount
    if amount is None:
        made = Refund.objects.filter(merchant=merchant, idempotency_key=key).first()
        if made is not None and made.payment_id == payment.pk:
            amount = made.amount
        else:
            amount = payment.refundable or payment.amount
    refund = refund_create(
        payment=payment,
        amount=amount,
        currency=payload.currency or "",
        reason=payload.reason,
        note=payload.note,
        idempotency_key=key,
        source=Refund.Source.API,
        requested_by=None,
    )
    return refund_object(selectors.refund_get(merchant=merchant, public_id=refund.public_id))


@router.get(
    "/refunds",
    response={200: schemas.list_of(RefundOut), **schemas.ERRORS},
    operation_id="list_refunds",
    summary="List refunds, newest first",
    tags=["refunds"],
)
def list_refunds(request: HttpRequest, filters: Query[RefundFilters]) -> Any:
    merchant = merchant_of(request)
    payment = None
    if filters.payment:
        try:
            payment = payment_get(merchant=merchant, public_id=filters.payment)
        except Payment.DoesNotExist:
            raise not_found("payment") from None
    qs = selectors.refund_list(merchant=merchant, payment=payment)
    if filters.status:
        qs = qs.filter(status=filters.status)
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, refund_object)


@router.get(
    "/refunds/{refund_id}",
    response={200: RefundOut, **schemas.ERRORS},
    operation_id="retrieve_refund",
    summary="Retrieve a refund",
    tags=["refunds"],
)
def retrieve_refund(request: HttpRequest, refund_id: str = ObjId) -> Any:
    try:
        return refund_object(
            selectors.refund_get(merchant=merchant_of(request), public_id=refund_id)
        )
    except Refund.DoesNotExist:
        raise not_found() from None


@router.get(
    "/refund_receipts",
    response={200: schemas.list_of(RefundReceiptOut), **schemas.ERRORS},
    operation_id="list_refund_receipts",
    summary="List refund receipts, newest first",
    tags=["refunds"],
)
def list_refund_receipts(request: HttpRequest, filters: Query[schemas.Page]) -> Any:
    qs = selectors.refund_receipt_list(merchant=merchant_of(request))
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, refund_receipt_object)


@router.get(
    "/refund_receipts/{receipt_id}",
    response={200: RefundReceiptOut, **schemas.ERRORS},
    operation_id="retrieve_refund_receipt",
    summary="Retrieve a refund receipt",
    tags=["refunds"],
)
def retrieve_refund_receipt(request: HttpRequest, receipt_id: str = ObjId) -> Any:
    try:
        receipt = selectors.refund_receipt_get(merchant=merchant_of(request), public_id=receipt_id)
    except RefundReceipt.DoesNotExist:
        raise not_found() from None
    return refund_receipt_object(receipt)
