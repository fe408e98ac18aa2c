"""/api/v1/payment_links: the same services as the dashboard's link pages."""

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Router

from paylinks.api import schemas
from paylinks.api.auth import merchant_of
from paylinks.api.errors import not_found
from paylinks.api.objects import attempt_object, link_object
from paylinks.api.routes.common import list_body, page_args
from paylinks.api.selectors import attempt_list_for_link, page
from paylinks.links import selectors as link_selectors
from paylinks.links import services as link_services
from paylinks.links.models import PaymentLink
from paylinks.notifications.services import link_send, link_send_reminder

router = Router(tags=["payment_links"])
LinkId = Path(..., pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$", max_length=40)
LINK = {200: schemas.PaymentLink, **schemas.ERRORS}


def _get(request: HttpRequest, link_id: str) -> PaymentLink:
    try:
        return link_selectors.link_get(merchant=merchant_of(request), public_id=link_id)
    except PaymentLink.DoesNotExist:
        raise not_found() from None


def _fresh(request: HttpRequest, link: PaymentLink) -> dict[str, Any]:
    return link_object(_get(request, link.public_id))


def _aware(value: int | datetime) -> datetime:
    if isinstance(value, int):
        return datetime.fromtimestamp(value, tz=UTC)
    return value  # the schema made it aware (UTC)


@router.post(
    "/payment_links", response=LINK, operation_id="create_payment_link", summary="Create a link"
)
def create_payment_link(request: HttpRequest, payload: schemas.PaymentLinkCreate) -> Any:
    fields = payload.model_dump()
    kind = fields.pop("type")
    link = link_services.link_create(merchant=merchant_of(request), kind=kind, **fields)
    return _fresh(request, link)


@router.get(
    "/payment_links",
    response={200: schemas.list_of(schemas.PaymentLink), **schemas.ERRORS},
    operation_id="list_payment_links",
    summary="List links, newest first",
)
def list_payment_links(request: HttpRequest, filters: Query[schemas.PaymentLinkFilters]) -> Any:
    qs = link_selectors.link_list(
        merchant=merchant_of(request), status=filters.status or "", kind=filters.type or ""
    )
    if filters.created_gte is not None:
        qs = qs.filter(created_at__gte=_aware(filters.created_gte))
    if filters.created_lt is not None:
        qs = qs.filter(created_at__lt=_aware(filters.created_lt))
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, link_object)


@router.get(
    "/payment_links/{link_id}",
    response=LINK,
    operation_id="retrieve_payment_link",
    summary="Retrieve a link",
)
def retrieve_payment_link(request: HttpRequest, link_id: str = LinkId) -> Any:
    return link_object(_get(request, link_id))


@router.post(
    "/payment_links/{link_id}",
    response=LINK,
    operation_id="update_payment_link",
    summary="Update a link (only while unused: else 409 link_used)",
)
def update_payment_link(
    request: HttpRequest, payload: schemas.PaymentLinkUpdate, link_id: str = LinkId
) -> Any:
    link = _get(request, link_id)
    changes = payload.model_dump(exclude_unset=True)
    # null clears the optional fields; the others keep their value when null.
    nullable = {"expires_on", "max_payments"}
    changes = {k: v for k, v in changes.items() if v is not None or k in nullable}
    link = link_services.link_update(link=link, **changes)
    return _fresh(request, link)


@router.post(
    "/payment_links/{link_id}/deactivate",
    response=LINK,
    operation_id="deactivate_payment_link",
    summary="Deactivate a link",
)
def deactivate_payment_link(request: HttpRequest, link_id: str = LinkId) -> Any:
    link = link_services.link_deactivate(link=_get(request, link_id))
    return _fresh(request, link)


@router.post(
    "/payment_links/{link_id}/activate",
    response=LINK,
    operation_id="activate_payment_link",
    summary="Reactivate a link",
)
def activate_payment_link(request: HttpRequest, link_id: str = LinkId) -> Any:
    link = link_services.link_activate(link=_get(request, link_id))
    return _fresh(request, link)


@router.post(
    "/payment_links/{link_id}/remind",
    response=LINK,
    operation_id="remind_payment_link",
    summary="Email the link's customer a reminder",
)
def remind_payment_link(request: HttpRequest, link_id: str = LinkId) -> Any:
    link = _get(request, link_id)
    link_send_reminder(link=link)
    return link_object(link)


@router.post(
    "/payment_links/{link_id}/send",
    response=LINK,
    operation_id="send_payment_link",
    summary="Send the link to its customer by email, or by text message with consent",
)
def send_payment_link(
    request: HttpRequest, body: schemas.PaymentLinkSend, link_id: str = LinkId
) -> Any:
    link = _get(request, link_id)
    link_send(
        link=link,
        channel=body.channel,
        to=body.to,
        language=body.language,
        auto_remind=body.auto_remind,
    )
    return link_object(link)


@router.get(
    "/payment_links/{link_id}/attempts",
    response={200: schemas.list_of(schemas.PaymentAttempt), **schemas.ERRORS},
    operation_id="list_payment_link_attempts",
    summary="List a link's payment attempts (outcome=failed: its issues)",
)
def list_payment_link_attempts(
    request: HttpRequest, filters: Query[schemas.AttemptFilters], link_id: str = LinkId
) -> Any:
    link = _get(request, link_id)
    rows, has_more = page(
        attempt_list_for_link(link=link, outcome=filters.outcome), **page_args(filters)
    )
    return list_body(request, rows, has_more, attempt_object)
