"""The API's request context: the acting key, and the Idempotency-Key header on POSTs
(stored in the database, per merchant)."""

import functools
import json
import re
from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from paylinks.api import services
from paylinks.api.errors import API_ERROR, IDEMPOTENCY, INVALID_REQUEST, error_body
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
def _query_names() -> tuple[tuple["re.Pattern[str]", str, frozenset[str]], ...]:
    """For each operation of the API (from its OpenAPI): its path as a pattern, its
    method, and the query parameters it declares."""
    from paylinks.api.v1 import api

    found = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        pattern = re.compile(
            "".join(
                "[^/]+" if part.startswith("{") else re.escape(part)
                for part in re.split(r"(\{[^}]*\})", path)
            )
        )
        for method, operation in operations.items():
            names = frozenset(
                parameter["name"]
                for parameter in operation.get("parameters", [])
                if parameter.get("in") == "query"
            )
            found.append((pattern, method.upper(), names))
    return tuple(found)


def _unknown_query(request: HttpRequest) -> list[str]:
    """The query parameters the operation asked for does not declare (a filter of
    another list is refused, not ignored). Nothing for an unknown URL or method: that
    request gets its 404 or 405."""
    given = set(request.GET)
    if not given:
        return []
    for pattern, method, names in _query_names():
        if method == request.method and pattern.fullmatch(request.path):
            return sorted(given - names)
    return []


def _api_key(request: HttpRequest) -> ApiKey | None:
    scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return services.apikey_authenticate(secret=secret.strip())


# Django's own answers on API paths (no such URL, wrong method, body too large, an error
# before the API ran) in the API's error shape: status -> (type, code, message).
PLAIN_ERRORS = {
    400: (INVALID_REQUEST, "request_invalid", gettext_lazy("Invalid request.")),
    404: (INVALID_REQUEST, "resource_missing", gettext_lazy("Unrecognized request URL.")),
    405: (
        INVALID_REQUEST,
        "method_not_allowed",
        gettext_lazy("This method is not allowed on this URL."),
    ),
    413: (INVALID_REQUEST, "request_too_large", gettext_lazy("The request body is too large.")),
}


def as_api_error(response: HttpResponse) -> HttpResponse:
    """A non-JSON error response (Django's HTML pages) as ``{"error": {...}}``."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith(
        "application/json"
    ):
        return response
    type_, code, message = PLAIN_ERRORS.get(
        response.status_code,
        (API_ERROR, "server_error", gettext_lazy("Something went wrong on our side.")),
    )
    if response.status_code < 500 and response.status_code not in PLAIN_ERRORS:
        type_, code, message = PLAIN_ERRORS[400]
    converted = _error(response.status_code, type_, code, str(message))
    if "Allow" in response:
        converted["Allow"] = response["Allow"]
    return converted


class ApiMiddleware:
    """On /api/v1/: who acts (the audit log names the key), the Idempotency-Key, and every
    error in the API's shape."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self._get_response = get_response

    def get_response(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self._get_response(request)
        except RequestDataTooBig:
            response = HttpResponse(status=413)
        if request.path.endswith(("/docs", "/openapi.json")):
            return response
        return as_api_error(response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(PREFIX):
            return self._get_response(request)
        unknown = _unknown_query(request)
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
        try:
            body = request.body
        except RequestDataTooBig:
            return as_api_error(HttpResponse(status=413))
        outcome = services.idempotency_begin(
            merchant=api_key.merchant,
            key=key,
            method="POST",
            path=request.path,
            fingerprint=services.request_fingerprint(method="POST", path=request.path, body=body),
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
