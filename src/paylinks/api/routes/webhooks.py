"""/api/v1/webhook_endpoints and /api/v1/events."""

import json
from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router

from paylinks.api import schemas
from paylinks.api.auth import merchant_of
from paylinks.api.errors import not_found
from paylinks.api.routes.common import list_body, page_args
from paylinks.api.selectors import page
from paylinks.webhooks import selectors, services
from paylinks.webhooks.models import Event, WebhookEndpoint

router = Router()
ObjId = Path(..., pattern=r"^[a-z]{2,8}_[a-z0-9]{1,32}$", max_length=40)
ENDPOINT = {200: schemas.WebhookEndpoint, **schemas.ERRORS}


def endpoint_object(endpoint: WebhookEndpoint, *, with_secret: bool = False) -> dict[str, Any]:
    expires = endpoint.previous_secret_expires_at
    if not endpoint.previous_secret or expires is None or expires <= timezone.now():
        expires = None
    return {
        "id": endpoint.public_id,
        "object": "webhook_endpoint",
        "url": endpoint.url,
        "description": endpoint.description,
        "enabled_events": endpoint.enabled_events,
        "active": endpoint.is_active,
        "disabled_reason": endpoint.disabled_reason,
        "secret": endpoint.secret if with_secret else None,
        "previous_secret_expires": int(expires.timestamp()) if expires else None,
        "created": int(endpoint.created_at.timestamp()),
    }


def event_object(event: Event) -> dict[str, Any]:
    return json.loads(services.event_payload(event))


def _endpoint(request: HttpRequest, endpoint_id: str) -> WebhookEndpoint:
    try:
        return selectors.endpoint_get(merchant=merchant_of(request), public_id=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise not_found() from None


@router.post(
    "/webhook_endpoints",
    response=ENDPOINT,
    operation_id="create_webhook_endpoint",
    summary="Create a webhook endpoint (its secret is shown only here)",
    tags=["webhook_endpoints"],
)
def create_webhook_endpoint(request: HttpRequest, payload: schemas.WebhookEndpointCreate) -> Any:
    endpoint = services.endpoint_create(merchant=merchant_of(request), **payload.model_dump())
    return endpoint_object(endpoint, with_secret=True)


@router.get(
    "/webhook_endpoints",
    response={200: schemas.list_of(schemas.WebhookEndpoint), **schemas.ERRORS},
    operation_id="list_webhook_endpoints",
    summary="List webhook endpoints",
    tags=["webhook_endpoints"],
)
def list_webhook_endpoints(request: HttpRequest, filters: Query[schemas.Page]) -> Any:
    qs = selectors.endpoint_list(merchant=merchant_of(request))
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, endpoint_object)


@router.get(
    "/webhook_endpoints/{endpoint_id}",
    response=ENDPOINT,
    operation_id="retrieve_webhook_endpoint",
    summary="Retrieve a webhook endpoint",
    tags=["webhook_endpoints"],
)
def retrieve_webhook_endpoint(request: HttpRequest, endpoint_id: str = ObjId) -> Any:
    return endpoint_object(_endpoint(request, endpoint_id))


@router.post(
    "/webhook_endpoints/{endpoint_id}",
    response=ENDPOINT,
    operation_id="update_webhook_endpoint",
    summary="Update a webhook endpoint (active=true turns a disabled one back on)",
    tags=["webhook_endpoints"],
)
def update_webhook_endpoint(
    request: HttpRequest, payload: schemas.WebhookEndpointUpdate, endpoint_id: str = ObjId
) -> Any:
    endpoint = services.endpoint_update(
        endpoint=_endpoint(request, endpoint_id), **payload.model_dump(exclude_none=True)
    )
    return endpoint_object(endpoint)


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    response=ENDPOINT,
    operation_id="rotate_webhook_endpoint_secret",
    summary="Give the endpoint a new secret (shown only here); the old one keeps signing "
    "beside it for expires_in seconds",
    tags=["webhook_endpoints"],
)
def rotate_webhook_endpoint_secret(
    request: HttpRequest,
    payload: schemas.WebhookEndpointRotate | None = None,
    endpoint_id: str = ObjId,
) -> Any:
    expires_in = payload.expires_in if payload is not None else 24 * 3600
    endpoint = services.endpoint_rotate_secret(
        endpoint=_endpoint(request, endpoint_id), grace=timedelta(seconds=expires_in)
    )
    return endpoint_object(endpoint, with_secret=True)


@router.delete(
    "/webhook_endpoints/{endpoint_id}",
    response={200: schemas.Deleted, **schemas.ERRORS},
    operation_id="delete_webhook_endpoint",
    summary="Delete a webhook endpoint",
    tags=["webhook_endpoints"],
)
def delete_webhook_endpoint(request: HttpRequest, endpoint_id: str = ObjId) -> Any:
    endpoint = _endpoint(request, endpoint_id)
    services.endpoint_delete(endpoint=endpoint)
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


@router.get(
    "/events",
    response={200: schemas.list_of(schemas.Event), **schemas.ERRORS},
    operation_id="list_events",
    summary="List events, newest first",
    tags=["events"],
)
def list_events(request: HttpRequest, filters: Query[schemas.EventFilters]) -> Any:
    qs = selectors.event_list(merchant=merchant_of(request), type=filters.type)
    rows, has_more = page(qs, **page_args(filters))
    return list_body(request, rows, has_more, event_object)


@router.get(
    "/events/{event_id}",
    response={200: schemas.Event, **schemas.ERRORS},
    operation_id="retrieve_event",
    summary="Retrieve an event",
    tags=["events"],
)
def retrieve_event(request: HttpRequest, event_id: str = ObjId) -> Any:
    try:
        return event_object(selectors.event_get(merchant=merchant_of(request), public_id=event_id))
    except Event.DoesNotExist:
        raise not_found() from None
