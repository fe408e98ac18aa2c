"""Stripe: real card payments through the merchant's own Stripe account.

Card details never reach paylinks: the hosted page mounts Stripe.js's card field and
calls ``stripe.createToken(card)`` (implemented alike by Stripe.js and by localstripe's
fake, which the tests use); checkout receives only the ``tok_…`` id. Then:
- ``prepare``: a Customer with the token as its source (Stripe checks the card), and a
  PaymentIntent for that card with the amount and currency from paylinks' server, the
  attempt's metadata and ``confirm=false`` (no money moves), each with an idempotency key
  derived from the attempt (a retry after a crash of ours replays instead of charging);
- ``confirm``: the PaymentIntent is confirmed; a 3-D Secure card answers
  ``requires_action`` and the page completes it with ``stripe.confirmCardPayment``;
- outcomes are read from Stripe's own record (``retrieve``), never from the browser.
The adapter pins the Stripe API version it is written for (``API_VERSION``): the newest
versions no longer accept ``payment_method_types`` (localstripe knows only that name), and
without it a server-side confirm would need a return URL for redirect-based methods.
Bank transfers are not offered with Stripe (pre-authorised debits need mandates this
adapter does not collect): the link form and hosted page say it takes cards only.
The books: a payment's fee is its charge's balance transaction's (the PaymentIntent read
with ``latest_charge.balance_transaction`` expanded), asked by a task after the payment
succeeded, never on the customer's request; payouts are Stripe's own (``/v1/payouts``),
and what each contains is the balance transactions listed with ``payout=<id>``.
"""

import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

import stripe
from django.conf import settings

from paylinks.processors.base import (
    FAILURE_MESSAGES,
    ChargeResult,
    Instrument,
    InvalidToken,
    PayoutInfo,
    PayoutItem,
    ProcessorError,
    ProcessorEvent,
    RefundResult,
)

log = logging.getLogger(__name__)

STRIPE_API_BASE = "https://api.stripe.com"
STRIPE_JS_URL = "https://js.stripe.com/v3/"
# What Stripe.js needs, per Stripe's security guide (content-security-policy section).
STRIPE_ORIGINS = {
    "script": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect": ["https://api.stripe.com"],
}
API_VERSION = "2025-03-31.basil"
TIMEOUT_SECONDS = 20  # below PAYLINKS_RECOVERY_SECONDS: a call we wait for ends first


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def failure_code(error: stripe.StripeError) -> str:
    """Stripe's decline codes mapped onto paylinks' stable failure codes."""
    code = getattr(error, "code", None) or ""
    decline = getattr(getattr(error, "error", None), "decline_code", None) or ""
    if decline in FAILURE_MESSAGES and decline != "velocity_limited":
        return decline
    if code == "payment_intent_authentication_failure":
        return "authentication_failed"
    if code in FAILURE_MESSAGES and code != "velocity_limited":
        return code
    return "card_declined" if isinstance(error, stripe.CardError) else "processing_error"


def _get(obj: Any, name: str) -> Any:
    """A field of a Stripe object or of its plain dict (a webhook's copy), or None."""
    if isinstance(obj, dict):
        return obj.get(name)
    if isinstance(obj, str):
        return obj if name == "id" else None
    return getattr(obj, name, None)


def is_test_key(key: str) -> bool:
    return key.startswith(("sk_test_", "rk_test_", "pk_test_"))


class StripeProcessor:
    name = "stripe"
    methods: tuple[str, ...] = ("card",)

    def __init__(
        self,
        *,
        secret_key: str,
        publishable_key: str,
        webhook_secret: str = "",
        api_base: str = "",
        js_url: str = "",
    ) -> None:
        if not secret_key:
            raise ProcessorError("no Stripe secret key configured")
        self.secret_key = secret_key
        self.publishable_key = publishable_key
        self.webhook_secret = webhook_secret
        self.api_base = (api_base or settings.STRIPE_API_BASE or STRIPE_API_BASE).rstrip("/")
        self.js_url = js_url or settings.STRIPE_JS_URL or STRIPE_JS_URL
        self.test_mode = is_test_key(secret_key)
        self.client = stripe.StripeClient(
            secret_key,
            stripe_version=API_VERSION,
            base_addresses={"api": self.api_base},
            max_network_retries=2,
            http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
        )

    @classmethod
    def for_account(cls, account: Any) -> "StripeProcessor":
        """The merchant's own Stripe account if it connected one, else the instance's."""
        from paylinks.merchants.models import PaymentsAccount

        if isinstance(account, PaymentsAccount) and account.stripe_secret_key:
            return cls(
                secret_key=account.stripe_secret_key,
                publishable_key=account.stripe_publishable_key,
                webhook_secret=account.stripe_webhook_secret,
            )
        return cls(
            secret_key=settings.STRIPE_SECRET_KEY,
            publishable_key=settings.STRIPE_PUBLISHABLE_KEY,
            webhook_secret=settings.STRIPE_WEBHOOK_SECRET,
        )

    def check(self) -> None:
        """A live call that fails if the secret key is wrong (before approval)."""
        try:
            self.client.v1.balance.retrieve()
        except stripe.StripeError as e:
            raise ProcessorError(str(e.user_message or e)) from e

    # -- paying -----------------------------------------------------------------------

    def describe(self, *, token: str) -> Instrument:
        if not token.startswith("tok_"):
            raise InvalidToken(token)
        try:
            found = self.client.v1.tokens.retrieve(token)
        except stripe.InvalidRequestError as e:
            raise InvalidToken(token) from e
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        card = found.card
        if card is None:
            raise InvalidToken(token)
        return Instrument(
            method="card",
            brand=card.brand or "Card",
            last4=card.last4 or "",
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            fingerprint=getattr(card, "fingerprint", None) or "",
        )

    def prepare(
        self,
        *,
        amount: int,
        currency: str,
        token: str,
        idempotency_key: str,
        metadata: dict[str, str],
        payer_name: str = "",
        payer_email: str = "",
    ) -> ChargeResult:
        try:
            customer = self.client.v1.customers.create(
                {
                    "source": token,
                    "name": payer_name,
                    "email": payer_email,
                    "metadata": metadata,
                },
                {"idempotency_key": f"{idempotency_key}-customer"},
            )
            intent = self.client.v1.payment_intents.create(
                cast(
                    Any,
                    {
                        "amount": amount,
                        "currency": currency.lower(),
                        "customer": customer.id,
                        "payment_method": str(customer.default_source),
                        "payment_method_types": ["card"],
                        "metadata": metadata,
                        "confirm": False,
                    },
                ),
                {"idempotency_key": f"{idempotency_key}-intent"},
            )
        except stripe.CardError as e:  # Stripe checks the card when it is attached
            return ChargeResult(status="failed", failure_code=failure_code(e))
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self._result(intent)

    def confirm(self, *, reference: str, idempotency_key: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.confirm(
                reference, {}, {"idempotency_key": f"{idempotency_key}-confirm"}
            )
        except stripe.CardError as e:
            return ChargeResult(status="failed", reference=reference, failure_code=failure_code(e))
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self._result(intent)

    def retrieve(self, *, reference: str) -> ChargeResult:
        try:
            intent = self.client.v1.payment_intents.retrieve(reference)
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self._result(intent)

    def cancel(self, *, reference: str) -> ChargeResult:
        try:
            self.client.v1.payment_intents.cancel(reference)
        except stripe.InvalidRequestError:
            pass  # it can no longer be cancelled: it succeeded, failed or was cancelled
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self.retrieve(reference=reference)

    def refund(
        self,
        *,
        reference: str,
        amount: int,
        idempotency_key: str,
        metadata: dict[str, str] | None = None,
    ) -> RefundResult:
        try:
            refund = self.client.v1.refunds.create(
                cast(
                    Any,
                    {"payment_intent": reference, "amount": amount, "metadata": metadata or {}},
                ),
                {"idempotency_key": idempotency_key},
            )
        except stripe.InvalidRequestError as e:
            return RefundResult(status="failed", failure_code=str(e.code or "refund_failed"))
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self.refund_result(refund)

    def retrieve_refund(self, *, reference: str) -> RefundResult:
        try:
            refund = self.client.v1.refunds.retrieve(reference)
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return self.refund_result(refund)

    def list_refunds(self, *, reference: str) -> list[RefundResult]:
        try:
            found = self.client.v1.refunds.list({"payment_intent": reference, "limit": 100})
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        results = []
        for refund in found.data:
            result = self.refund_result(refund)
            if not result.payment_reference:
                result = replace(result, payment_reference=reference)
            results.append(result)
        return results

    def refund_result(self, refund: Any) -> RefundResult:
        """A Stripe refund object (from the API or a webhook) in the protocol's words."""
        status = {"succeeded": "succeeded", "failed": "failed", "canceled": "failed"}.get(
            str(_get(refund, "status") or ""), "pending"
        )
        payment_reference = _get(refund, "payment_intent") or ""
        charge = _get(refund, "charge")
        if not payment_reference and charge:  # a refund made from the charge
            try:
                found = self.client.v1.charges.retrieve(str(_get(charge, "id")))
            except stripe.StripeError as e:
                raise ProcessorError(str(e)) from e
            payment_reference = found.payment_intent or ""
        metadata = _get(refund, "metadata") or {}
        return RefundResult(
            status=status,
            reference=str(_get(refund, "id") or ""),
            failure_code=str(_get(refund, "failure_reason") or "") if status == "failed" else "",
            amount=int(_get(refund, "amount") or 0),
            payment_reference=str(_get(payment_reference, "id") or payment_reference),
            paylinks_refund=str(_get(metadata, "paylinks_refund") or ""),
        )

    # -- the books ------------------------------------------------------------------------

    def fee(self, *, reference: str) -> int | None:
        """The fee of the payment's charge, from its balance transaction (None until Stripe
        has one, or when it is in another currency than the payment: a converted charge)."""
        try:
            intent = self.client.v1.payment_intents.retrieve(
                reference, {"expand": ["latest_charge.balance_transaction"]}
            )
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        charge = intent.latest_charge
        if charge is None or isinstance(charge, str):
            return None
        txn = charge.balance_transaction
        if txn is None or isinstance(txn, str):
            return None
        if (txn.currency or "").lower() != (intent.currency or "").lower():
            log.warning("fee of %s is in %s, not the payment's currency", reference, txn.currency)
            return None
        return int(txn.fee)

    def payouts(self, *, limit: int = 100) -> list[PayoutInfo]:
        try:
            found = self.client.v1.payouts.list({"limit": limit})
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return [
            PayoutInfo(
                reference=p.id,
                amount=int(p.amount),
                currency=str(p.currency).upper(),
                status=str(p.status),
                arrival_date=datetime.fromtimestamp(int(p.arrival_date), tz=UTC).date(),
            )
            for p in found.data
        ]

    def payout_items(self, *, reference: str) -> list[PayoutItem]:
        """Charges and refunds in an automatic payout (its balance transactions); a manual
        payout lists none (Stripe does not tie balance transactions to it)."""
        items = []
        try:
            txns = self.client.v1.balance_transactions.list(
                {"payout": reference, "limit": 100, "expand": ["data.source"]}
            )
            for txn in txns.auto_paging_iter():
                source = txn.source
                if txn.type in ("charge", "payment") and source is not None:
                    intent = getattr(source, "payment_intent", None)
                    if intent:
                        items.append(
                            PayoutItem(
                                kind="payment",
                                reference=str(getattr(intent, "id", intent)),
                                amount=int(txn.amount),
                                fee=int(txn.fee),
                            )
                        )
                elif txn.type in ("refund", "payment_refund") and source is not None:
                    items.append(
                        PayoutItem(
                            kind="refund",
                            reference=str(getattr(source, "id", source)),
                            amount=-int(txn.amount),
                            fee=int(txn.fee),
                        )
                    )
        except stripe.StripeError as e:
            raise ProcessorError(str(e)) from e
        return items

    @staticmethod
    def _result(intent: Any) -> ChargeResult:
        status = intent.status
        error = intent.last_payment_error
        if status == "requires_payment_method":  # its card failed (or its 3-D Secure step)
            code = (error.code if error else "") or "card_declined"
            decline = getattr(error, "decline_code", None) if error else None
            code = decline or code
            if code == "payment_intent_authentication_failure":
                code = "authentication_failed"
            if code not in FAILURE_MESSAGES:
                code = "card_declined"
            return ChargeResult(status="failed", reference=intent.id, failure_code=code)
        mapped = {
            "succeeded": "succeeded",
            "canceled": "canceled",
            "requires_action": "requires_action",
            "requires_confirmation": "requires_confirmation",
            "processing": "processing",
            "requires_capture": "processing",
        }.get(status, "processing")
        return ChargeResult(
            status=mapped,
            reference=intent.id,
            client_secret=intent.client_secret if mapped == "requires_action" else "",
        )

    # -- webhooks and the page ------------------------------------------------------------

    def parse_webhook(self, *, body: bytes, headers: dict[str, str]) -> ProcessorEvent:
        signature = headers.get("stripe-signature", "")
        if not self.webhook_secret:
            raise ValueError("no webhook signing secret configured")
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as e:
            raise ValueError(str(e)) from e
        obj = event.data.object
        reference = ""
        if getattr(obj, "object", "") == "payment_intent":
            reference = obj.id
        elif getattr(obj, "payment_intent", None):
            reference = str(obj.payment_intent)
        return ProcessorEvent(
            id=event.id, type=event.type, reference=reference, data=event.to_dict()
        )

    def page(self) -> dict[str, Any]:
        custom = self.js_url != STRIPE_JS_URL or self.api_base != STRIPE_API_BASE
        origins: dict[str, list[str]] = {
            "script": [_origin(self.js_url)] if custom else STRIPE_ORIGINS["script"],
            "frame": [_origin(self.js_url)] if custom else STRIPE_ORIGINS["frame"],
            "connect": [_origin(self.api_base)] if custom else STRIPE_ORIGINS["connect"],
        }
        return {
            "name": "stripe",
            "test_mode": self.test_mode,
            "script": self.js_url,
            "script_origins": origins["script"],
            "connect_origins": origins["connect"],
            "frame_origins": origins["frame"],
            "publishable_key": self.publishable_key,
            "tokens_url": "",
        }
