"""The API's request context: the acting key, and the Idempotency-Key header on POSTs
(stored in the database, per merchant)."""

import functools
import json
import re
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from paylinks.api import services
from paylinks.api.errors import IDEMPOTENCY, INVALID_REQUEST, error_body
from paylinks.api.models import ApiKey
from paylinks.core.audit import Actor, acting_as
from paylinks.core.http import client_ip

PREFIX = "/api/v1/"
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII
_key_re = re.compile(KEY_PATTERN)


class _Failed(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _error(status: int, type_: str, code: str, message: str) -> HttpResponse:
    return HttpResponse(
        json.dumps(error_body(type_=type_, code=code, message=message, param=None)),
        status=status,
        content_type="application/json",
    )


@functools.cache
def _query_names() -> frozenset[str]:
    """Every query parameter some operation of the API declares (from its OpenAPI)."""
    from paylinks.api.v1 import api

    found = set()
    for operations in api.get_openapi_schema()["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query":
                    found.add(parameter["name"])
    return frozenset(found)


def _api_key(request: HttpRequest) -> ApiKey | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return services.apikey_authenticate(secret=secret.strip())


class ApiMiddleware:
    """On /api/v1/: who acts (the audit log names the key), and the Idempotency-Key."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        unknown = sorted(set(request.GET) - _query_names())
        if unknown and not request.path.endswith(("/docs", "/openapi.json")):
            response = _error(
                400,
                INVALID_REQUEST,
                "parameter_unknown",
                _("Unknown query parameter: %(name)s") % {"name": unknown[0][:100]},
            )
            return response
        api_key = _api_key(request)
        if api_key is None:
            return self.get_response(request)  # the API answers 401 where a key is needed
        request.api_key = api_key  # type: ignore[attr-defined]
        with acting_as(Actor(f"API key {api_key.prefix}…", client_ip(request))):
            return self._idempotent(request, api_key)

    def _idempotent(self, request: HttpRequest, api_key: ApiKey) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if key is None or request.method != "POST":
            return self.get_response(request)
        if not _key_re.match(key):
            return _error(
                400,
                INVALID_REQUEST,
                "idempotency_key_invalid",
                _("The Idempotency-Key header must have 1 to 255 visible ASCII characters."),
            )
        outcome = services.idempotency_begin(
            merchant=api_key.merchant,
            key=key,
            method="POST",
            path=request.path,
            fingerprint=services.request_fingerprint(
                method="POST", path=request.path, body=request.body
            ),
        )
        if outcome.action == "reused":
            return _error(
                422,
                IDEMPOTENCY,
                "idempotency_key_reused",
                _("This Idempotency-Key was used with other parameters."),
            )
        if outcome.action == "in_use":
            return _error(
                409,
                IDEMPOTENCY,
                "idempotency_key_in_use",
                _("A request with this Idempotency-Key is still running: retry later."),
            )
        if outcome.action == "replay":
            record = outcome.record
            response = HttpResponse(
                bytes(record.response_body or b""),
                status=record.response_status or 200,
                content_type="application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response
        try:
            # The change and its stored response commit together, or neither does.
            with transaction.atomic():
                response = self.get_response(request)
                if response.status_code >= 500:
                    raise _Failed(response)
                services.idempotency_finish(
                    record=outcome.record, status=response.status_code, body=response.content
                )
        except _Failed as failed:
            services.idempotency_release(record=outcome.record)
            return failed.response
        return response
