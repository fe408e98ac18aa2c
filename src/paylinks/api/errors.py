"""Every API error has one shape: {"error": {"type", "code", "message", "param"}}."""

import logging
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

log = logging.getLogger(__name__)

INVALID_REQUEST = "invalid_request_error"
IDEMPOTENCY = "idempotency_error"
API_ERROR = "api_error"
AUTHENTICATION = "authentication_error"


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, param: str | None = None, type_: str = ""
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type_ or (API_ERROR if status >= 500 else INVALID_REQUEST)


def error_body(*, type_: str, code: str, message: str, param: str | None = None) -> dict[str, Any]:
    return {"error": {"type": type_, "code": code, "message": message, "param": param}}


def not_found(param: str = "id") -> ApiError:
    return ApiError(404, "resource_missing", _("No such object."), param)


# Service errors whose code says the request conflicts with the object's state.
CONFLICT_CODES = {"link_used"}


def from_service_error(exc: DjangoValidationError) -> ApiError:
    """A service's ValidationError: the first bad field is the ``param``."""
    if hasattr(exc, "error_dict"):
        field, errors = next(iter(exc.error_dict.items()))
        error = errors[0]
        message = " ".join(str(m) for m in error.messages)
        return ApiError(400, error.code or "parameter_invalid", message, field)
    error = exc.error_list[0]
    message = " ".join(str(m) for m in error.messages)
    code = error.code or "request_invalid"
    if code == "invalid":  # Django's default code says nothing more
        code = "request_invalid"
    return ApiError(409 if code in CONFLICT_CODES else 400, code, message)


PYDANTIC_CODES = {
    "missing": "parameter_missing",
    "extra_forbidden": "parameter_unknown",
}


ARGUMENT_NAMES = {"payload", "filters"}  # the endpoints' own argument names, not fields


def _param(loc: tuple[Any, ...] | list[Any]) -> str | None:
    """``("body", "payload", "enabled_events", 0)`` → ``enabled_events.0``; union member
    tags pydantic adds (``constrained-int``) are dropped."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts.pop(0)
    if parts and parts[0] in ARGUMENT_NAMES:
        parts.pop(0)
    fields = []
    for part in parts:
        if not re.fullmatch(r"\w+", part):
            break
        fields.append(part)
    return ".".join(fields) or None


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, error: ApiError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(type_=error.type, code=error.code, message=error.message, param=error.param),
            status=error.status,
        )

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc)

    @api.exception_handler(DjangoValidationError)
    def service_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return respond(request, from_service_error(exc))

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        first = exc.errors[0] if exc.errors else {}
        code = PYDANTIC_CODES.get(first.get("type", ""), "parameter_invalid")
        param = _param(first.get("loc", ()))
        message = str(first.get("msg", _("Invalid request.")))
        if param:
            message = f"{param}: {message}"
        return respond(request, ApiError(400, code, message, param))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        message = _(
            "Missing, malformed or revoked API key: send the header 'Authorization: Bearer plk_…'."
        )
        response = respond(request, ApiError(401, "api_key_invalid", message, type_=AUTHENTICATION))
        response["WWW-Authenticate"] = 'Bearer realm="paylinks"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = "request_invalid" if exc.status_code < 500 else "server_error"
        return respond(request, ApiError(exc.status_code, code, str(exc)))

    @api.exception_handler(Http404)
    def http404(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, not_found())

    @api.exception_handler(ObjectDoesNotExist)
    def missing(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return respond(request, not_found())

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(
            request, ApiError(413, "request_too_large", _("The request body is too large."))
        )

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API error on %s %s", request.method, request.path)
        return respond(
            request, ApiError(500, "server_error", _("Something went wrong on our side."))
        )
