"""The /api/v1 application: one NinjaAPI, Bearer API keys, one error shape."""

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from paylinks.api import errors
from paylinks.api.auth import BearerKey
from paylinks.api.middleware import KEY_PATTERN
from paylinks.api.routes import links, payments, payouts, refunds, webhooks

DESCRIPTION = """\
Payment links, payments and sales receipts over HTTP.

Authenticate with `Authorization: Bearer <secret key>` (create keys in the dashboard or with
`paylinks apikey create --email …`). Money is an integer in minor units plus an ISO 4217
`currency`. Lists are newest first with `limit` (1–100, default 10) and the cursors
`starting_after` / `ending_before` (object ids).

Every POST takes an optional `Idempotency-Key` header (1 to 255 visible ASCII characters):
the same key with the same parameters replays the first response (status and body) for
**24 hours** after the first request; the same key with other parameters gets 422
`idempotency_key_reused`; while the first request is still running, 409
`idempotency_key_in_use`.

Errors are `{"error": {"type", "code", "message", "param"}}`.
"""

IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "description": "Replays the first response for 24 hours (see the API description).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_PATTERN},
}


class PaylinksAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> OpenAPISchema:
        """Every POST documents the Idempotency-Key header (handled by ApiMiddleware)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            parameters = operations.get("post", {}).setdefault("parameters", [])
            if "post" in operations and IDEMPOTENCY_HEADER not in parameters:
                parameters.append(IDEMPOTENCY_HEADER)
        return schema


api = PaylinksAPI(
    title="paylinks API",
    version="1",
    description=DESCRIPTION,
    auth=BearerKey(),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("", links.router)
api.add_router("", payments.router)
api.add_router("", refunds.router)
api.add_router("", webhooks.router)
api.add_router("", payouts.router)
