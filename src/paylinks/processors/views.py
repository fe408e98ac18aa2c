"""The processors' own endpoints: the sandbox's tokenising endpoint (where Stripe.js would
send the card), and the per-merchant URL Stripe sends its webhooks to."""

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from paylinks.processors import sandbox, services

log = logging.getLogger(__name__)


def _error(param: str, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"error": {"type": "card_error", "code": code, "param": param, "message": message}},
        status=400,
    )


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


@csrf_exempt  # like Stripe's token endpoint: it changes no one's state, it only tokenises
@require_POST
def sandbox_tokens(request: HttpRequest) -> HttpResponse:
    """The sandbox's Stripe.js endpoint: card or bank details in, a token out. Checkout
    never sees these details; only the sandbox processor's ledger is written, without
    the number."""
    try:
        data = json.loads(request.body or b"{}")
        assert isinstance(data, dict)
    except (ValueError, AssertionError):
        return _error("", "invalid_request", _("The payment details could not be read."))
    details = {k: str(v)[:40] for k, v in data.items()}
    if details.get("type") == "bank_account":
        try:
            token = sandbox.tokenize_bank_account(
                institution=details.get("institution", "").strip(),
                transit=details.get("transit", "").strip(),
                account=details.get("account", "").strip(),
            )
        except ValueError as e:
            errors = e.args[0]
            messages = {
                "institution": _("The institution number has 3 digits."),
                "transit": _("The transit number has 5 digits."),
                "account": _("The account number has 7 to 12 digits."),
            }
            param = next(iter(errors))
            return JsonResponse(
                {
                    "error": {
                        "type": "invalid_request_error",
                        "code": errors[param],
                        "param": param,
                        "message": messages[param],
                        "errors": {name: str(messages[name]) for name in errors},
                    }
                },
                status=400,
            )
        return JsonResponse({"id": token.token, "type": "bank_account", "last4": token.last4})
    number = details.get("number", "")
    if not number.strip():
        return _error("number", "incorrect_number", _("Enter the card number."))
    month, _sep, year = details.get("exp", "").replace(" ", "").partition("/")
    if not (month.isascii() and month.isdigit() and year.isascii() and year.isdigit()):
        return _error("exp", "invalid_expiry", _("Enter the expiry as MM/YY."))
    exp_year = _int(year) + (2000 if len(year) == 2 else 0)
    try:
        token = sandbox.tokenize_card(
            number=number,
            exp_month=_int(month),
            exp_year=exp_year,
            cvc=details.get("cvc", "").strip(),
        )
    except ValueError:
        return _error("number", "incorrect_number", _("Enter the card number's digits (0-9)."))
    return JsonResponse(
        {
            "id": token.token,
            "type": "card",
            "card": {
                "brand": token.brand,
                "last4": token.last4,
                "exp_month": token.exp_month,
                "exp_year": token.exp_year,
            },
        }
    )


@csrf_exempt  # authenticated by its signature, checked on the raw body
@require_POST
def stripe_webhook(request: HttpRequest, account_id: str) -> HttpResponse:
    try:
        stored = services.inbound_event_receive(
            account_public_id=account_id,
            processor_name="stripe",
            body=request.body,
            headers={k.lower(): v for k, v in request.headers.items()},
        )
    except services.UnknownAccount:
        return HttpResponse(status=404)
    except ValueError as e:
        log.warning("refused a Stripe webhook for %s: %s", account_id, e)
        return HttpResponse(status=400)
    return JsonResponse({"received": True, "duplicate": not stored})
