"""The /api/v1 application: one NinjaAPI, Bearer API keys, one error shape."""

from ninja import NinjaAPI

from paylinks.api import errors
from paylinks.api.auth import BearerKey
from paylinks.api.routes import links, payments, webhooks

DESCRIPTION = """\
Payment links, payments and sales receipts over HTTP.

Authenticate with `Authorization: Bearer <secret key>` (create keys in the dashboard or with
`paylinks apikey create --email …`). Money is an integer in minor units plus an ISO 4217
`currency`. Lists are newest first with `limit` (1–100, default 10) and the cursors
`starting_after` / `ending_before` (object ids).

Every POST takes an optional `Idempotency-Key` header (up to 255 characters): the same key
with the same parameters replays the first response (status and body) for **24 hours** after
the first request; the same key with other parameters gets 422 `idempotency_key_reused`; while
the first request is still running, 409 `idempotency_key_in_use`.

Errors are `{"error": {"type", "code", "message", "param"}}`.
"""

api = NinjaAPI(
    title="paylinks API",
    version="1",
    description=DESCRIPTION,
    auth=BearerKey(),
    urls_namespace="api-v1",
)
errors.install(api)
api.add_router("", links.router)
api.add_router("", payments.router)
api.add_router("", webhooks.router)
