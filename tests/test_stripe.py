"""The Stripe processor against localstripe (a fake of Stripe's API run on loopback), and
contract tests of our own for what localstripe does not do (idempotent replays, decline
codes)."""

import contextlib
import hashlib
import hmac
import json
import time
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest
import stripe
from django.db import connection
from django.urls import reverse

from conftest import STRIPE_ENV, make_merchant
from pay import checkout_for
from paylinks.checkout.models import Attempt, Payment
from paylinks.checkout.services import (
    PaymentRefused,
    link_pay,
    payments_reconcile,
)
from paylinks.links.services import link_create
from paylinks.merchants.models import PaymentsAccount
from paylinks.processors.base import get_processor
from paylinks.processors.models import InboundEvent
from paylinks.processors.stripe import StripeProcessor, failure_code
from paylinks.receipts.models import SalesReceipt


def stripe_token(localstripe, number: str) -> str:
    """What Stripe.js's createToken does in the browser: the card goes to Stripe only."""
    body = urllib.parse.urlencode(
        {
            "card[number]": number,
            "card[exp_month]": "12",
            "card[exp_year]": "2031",
            "card[cvc]": "123",
            "key": STRIPE_ENV["PAYLINKS_STRIPE_PUBLISHABLE_KEY"],
        }
    ).encode()
    with urllib.request.urlopen(localstripe.url + "/v1/tokens", body, timeout=10) as r:
        return json.loads(r.read())["id"]


def pay(link, localstripe, number="4242424242424242", checkout=None):
    return link_pay(
        link=link,
        checkout=checkout or checkout_for(link),
        method="card",
        payment_token=stripe_token(localstripe, number),
        payer_name="Stripe Payer",
        payer_email="payer@example.com",
        payer_language="en",
    )


@pytest.fixture
def link(stripe_merchant):
    return link_create(merchant=stripe_merchant, kind="multi", amount=2500, description="Tea")


def intent(localstripe, reference: str) -> dict:
    return get_processor().client.v1.payment_intents.retrieve(reference).to_dict()


def test_applying_checks_the_keys_then_an_operator_approves(stripe_settings, db):
    user = make_merchant(email="apply@stripe.test", approved=False)
    from paylinks.merchants.services import payments_account_apply

    account = payments_account_apply(
        merchant=user.merchant,
        legal_name="X",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="1234567",
    )
    assert account.status == "pending" and account.processor == "stripe"
    assert account.test_mode and not account.stripe_secret_key  # the instance's account


def test_a_connected_merchant_pays_through_stripe(stripe_merchant):
    account = stripe_merchant.payments_account
    assert account.status == "approved" and account.processor == "stripe" and account.test_mode
    assert get_processor(stripe_merchant).name == "stripe"


def test_a_card_payment_through_stripe(link, localstripe):
    attempt = pay(link, localstripe)
    assert attempt.outcome == "succeeded"
    payment = Payment.objects.get()
    assert payment.method_label == "Visa •••• 4242" and payment.amount == 2500
    assert payment.receipt.number == 1
    # Stripe's own record: the amount and currency from paylinks, the attempt named.
    pi = intent(localstripe, payment.processor_ref)
    assert pi["status"] == "succeeded" and pi["amount"] == 2500 and pi["currency"] == "cad"
    assert pi["metadata"]["paylinks_attempt"] == attempt.public_id


def test_a_declined_card_maps_to_the_sandbox_codes(link, localstripe):
    attempt = pay(link, localstripe, "4000000000000341")
    assert attempt.outcome == "failed" and attempt.failure_code == "card_declined"
    assert attempt.failure_message == "The card was declined by the bank."
    assert not Payment.objects.exists()
    # Declined when the card is attached (Stripe checks it before any intent).
    attempt = pay(link, localstripe, "4000000000000002")
    assert attempt.outcome == "failed" and attempt.failure_code == "card_declined"


def test_3d_secure_is_completed_from_stripes_record_not_the_browsers_word(
    link, localstripe, client
):
    attempt = pay(link, localstripe, "4000002500003155")
    assert attempt.outcome == "requires_action" and attempt.processor_ref
    status_url = reverse("checkout:status", args=[link.token, attempt.checkout])
    page = client.get(status_url).content.decode()
    assert "data-client-secret" in page and localstripe.url in page
    # The browser says it is done, but it is not: nothing is booked.
    client.post(status_url)
    assert Attempt.objects.get().outcome == "requires_action" and not Payment.objects.exists()
    # Stripe.js's confirmCardPayment plays the bank's step (here: localstripe's dialog).
    pi = intent(localstripe, attempt.processor_ref)
    body = json.dumps({"key": "pk_test_x", "client_secret": pi["client_secret"]}).encode()
    url = f"{localstripe.url}/v1/payment_intents/{pi['id']}/_authenticate?success=true"
    urllib.request.urlopen(urllib.request.Request(url, body, method="POST"), timeout=10).close()
    r = client.post(status_url)
    assert Attempt.objects.get().outcome == "succeeded"
    assert client.get(r["Location"]).status_code == 302  # on to the receipt
    assert SalesReceipt.objects.count() == 1


def test_an_abandoned_3d_secure_step_is_cancelled_and_releases_the_link(
    stripe_merchant, localstripe, settings
):
    single = link_create(merchant=stripe_merchant, kind="single", amount=900, description="x")
    attempt = pay(single, localstripe, "4000002500003155")
    assert attempt.outcome == "requires_action"
    with pytest.raises(PaymentRefused) as refused:  # the link is held meanwhile
        pay(single, localstripe)
    assert refused.value.code == "in_progress"
    assert payments_reconcile(older_than=timedelta(0))["waiting"] == 1  # not abandoned yet
    settings.CHECKOUT_ACTION_TIMEOUT_SECONDS = 0
    assert payments_reconcile(older_than=timedelta(0))["cancelled"] == 1
    assert intent(localstripe, attempt.processor_ref)["status"] == "canceled"
    attempt.refresh_from_db()
    assert attempt.outcome == "failed" and attempt.failure_code == "abandoned"
    assert pay(single, localstripe).outcome == "succeeded"


def test_one_checkout_submitted_twice_is_one_stripe_charge(link, localstripe):
    checkout = checkout_for(link)
    first = pay(link, localstripe, checkout=checkout)
    again = pay(link, localstripe, checkout=checkout)
    assert first.pk == again.pk and Payment.objects.count() == 1
    intents = get_processor().client.v1.payment_intents.list({"limit": 100}).data
    ours = [i for i in intents if i.to_dict()["metadata"].get("paylinks_link") == link.public_id]
    assert len(ours) == 1 and ours[0].status == "succeeded"


def signed(body: bytes, secret: str) -> str:
    t = int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def test_a_webhook_delivered_twice_is_processed_once(link, localstripe, client, run_tasks):
    attempt = pay(link, localstripe, "4000002500003155")
    pi = intent(localstripe, attempt.processor_ref)
    body = json.dumps(
        {
            "id": "evt_test_1",
            "object": "event",
            "type": "payment_intent.succeeded",
            "data": {"object": {"id": pi["id"], "object": "payment_intent"}},
        }
    ).encode()
    account = link.merchant.payments_account
    url = reverse("processors:stripe_webhook", args=[account.public_id])
    # A forged one is refused.
    forged = client.post(
        url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00"
    )
    assert forged.status_code == 400 and not InboundEvent.objects.exists()
    secret = STRIPE_ENV["PAYLINKS_STRIPE_WEBHOOK_SECRET"]
    for _ in range(2):
        r = client.post(
            url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(body, secret)
        )
        assert r.status_code == 200
    assert InboundEvent.objects.count() == 1
    # The event says "succeeded" but Stripe's record says requires_action: nothing booked.
    run_tasks()
    assert Attempt.objects.get().outcome == "requires_action" and not Payment.objects.exists()
    assert InboundEvent.objects.get().processed_at is not None


@pytest.mark.django_db(transaction=True)
def test_webhooks_from_stripe_finish_a_payment(stripe_settings, localstripe, live_server):
    """localstripe sends its signed payment_intent.succeeded to the merchant's URL."""
    merchant = make_merchant(email="hooks@stripe.test").merchant
    link = link_create(merchant=merchant, kind="multi", amount=700, description="x")
    account = PaymentsAccount.objects.get(merchant=merchant)
    hook = live_server.url + reverse("processors:stripe_webhook", args=[account.public_id])
    config = urllib.parse.urlencode(
        {"url": hook, "secret": STRIPE_ENV["PAYLINKS_STRIPE_WEBHOOK_SECRET"]}
    ).encode()
    urllib.request.urlopen(f"{localstripe.url}/_config/webhooks/paylinks", config).close()
    attempt = pay(link, localstripe, "4000002500003155")
    pi = intent(localstripe, attempt.processor_ref)
    body = json.dumps({"key": "pk_test_x", "client_secret": pi["client_secret"]}).encode()
    url = f"{localstripe.url}/v1/payment_intents/{pi['id']}/_authenticate?success=true"
    urllib.request.urlopen(urllib.request.Request(url, body, method="POST"), timeout=10).close()
    deadline = time.monotonic() + 10
    while (
        time.monotonic() < deadline
        and not InboundEvent.objects.filter(
            type="payment_intent.succeeded", reference=pi["id"]
        ).exists()
    ):
        time.sleep(0.2)
    event = InboundEvent.objects.get(type="payment_intent.succeeded", reference=pi["id"])
    from paylinks.processors.services import inbound_event_process

    inbound_event_process(event=event)
    attempt.refresh_from_db()
    assert attempt.outcome == "succeeded" and attempt.payment.receipt.number == 1
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_crash_after_stripe_confirmed_is_repaired_by_recovery(tmp_path, localstripe):
    from livehttp import Client, serve

    merchant_env = {**STRIPE_ENV, "PAYLINKS_STRIPE_API_BASE": localstripe.url}
    merchant_env["PAYLINKS_STRIPE_JS_URL"] = localstripe.js_url
    with serve(tmp_path, workers=1, PAYLINKS_FAULTS="after_charge", **merchant_env) as base:
        from django.test import override_settings

        with override_settings(
            PROCESSOR="stripe",
            STRIPE_SECRET_KEY=STRIPE_ENV["PAYLINKS_STRIPE_SECRET_KEY"],
            STRIPE_PUBLISHABLE_KEY=STRIPE_ENV["PAYLINKS_STRIPE_PUBLISHABLE_KEY"],
            STRIPE_WEBHOOK_SECRET=STRIPE_ENV["PAYLINKS_STRIPE_WEBHOOK_SECRET"],
            STRIPE_API_BASE=localstripe.url,
        ):
            merchant = make_merchant(email="crash@stripe.test").merchant
            link = link_create(merchant=merchant, kind="single", amount=4100, description="x")
            client = Client()
            page = client.get(base + link.path)
            token = stripe_token(localstripe, "4242424242424242")
            with contextlib.suppress(OSError):
                client.post_form(
                    base + link.path,
                    {
                        "name": "C",
                        "email": "c@example.com",
                        "method": "card",
                        "payment_token": token,
                    },
                    page=page,
                )
            attempt = Attempt.objects.get()
            assert attempt.outcome == "processing" and not Payment.objects.exists()
            assert intent(localstripe, attempt.processor_ref)["status"] == "succeeded"
            assert payments_reconcile(older_than=timedelta(0))["completed"] == 1
            assert payments_reconcile(older_than=timedelta(0))["completed"] == 0
            assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1


def test_stripe_keys_are_checked_encrypted_and_never_shown_again(settings, localstripe, db):
    from paylinks.merchants.services import payments_account_connect_stripe

    settings.STRIPE_API_BASE = localstripe.url
    account = make_merchant(email="own@stripe.test").merchant.payments_account
    with pytest.raises(Exception) as bad:
        payments_account_connect_stripe(
            account=account, secret_key="pk_test_x", publishable_key="pk_test_x", webhook_secret=""
        )
    assert "stripe_secret_key" in bad.value.message_dict
    assert "stripe_webhook_secret" in bad.value.message_dict
    key = "sk_test_own_account_key_1234"
    payments_account_connect_stripe(
        account=account, secret_key=key, publishable_key="pk_test_own", webhook_secret="whsec_own"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT stripe_secret_key, stripe_webhook_secret FROM merchants_paymentsaccount"
            " WHERE id = %s",
            [account.pk],
        )
        stored = cursor.fetchone()
    assert key not in stored[0] and "whsec_own" not in stored[1]
    account = PaymentsAccount.objects.get(pk=account.pk)
    assert account.stripe_secret_key == key and account.test_mode
    assert account.stripe_secret_key_hint == "sk_test_…1234"
    processor = get_processor(account.merchant)
    assert isinstance(processor, StripeProcessor) and processor.secret_key == key


class FakeCardError:
    """How stripe-python builds a decline from Stripe's JSON (localstripe sends no
    decline_code, so the mapping of Stripe's decline codes is tested here)."""

    @staticmethod
    def make(code: str, decline_code: str | None) -> stripe.CardError:
        body = {"error": {"type": "card_error", "code": code, "decline_code": decline_code}}
        return stripe.CardError("Your card was declined.", None, code, json_body=body)


@pytest.mark.parametrize(
    ("code", "decline", "expected"),
    [
        ("card_declined", "insufficient_funds", "insufficient_funds"),
        ("card_declined", "generic_decline", "card_declined"),
        ("card_declined", None, "card_declined"),
        ("expired_card", None, "expired_card"),
        ("incorrect_cvc", None, "incorrect_cvc"),
        ("processing_error", None, "processing_error"),
        ("card_declined", "velocity_limited", "card_declined"),
        ("payment_intent_authentication_failure", None, "authentication_failed"),
    ],
)
def test_decline_codes_map_onto_paylinks_codes(code, decline, expected):
    error = FakeCardError.make(code, decline)
    assert error.error.decline_code == decline
    assert failure_code(error) == expected


def test_the_adapter_sends_keys_derived_from_the_attempt(link, localstripe, monkeypatch):
    """Stripe replays a request whose Idempotency-Key it has seen (localstripe ignores the
    header): every call that creates or moves money carries a key derived from the
    attempt, so a retry after a crash of ours replays instead of charging again."""
    from stripe._http_client import HTTPClient

    sent = []
    real = HTTPClient.request_with_retries

    def record(self, method, url, headers, post_data=None, *args, **kwargs):
        sent.append((method, url, (headers or {}).get("Idempotency-Key")))
        return real(self, method, url, headers, post_data, *args, **kwargs)

    monkeypatch.setattr(HTTPClient, "request_with_retries", record)
    attempt = pay(link, localstripe)
    posts = [(url.split("/v1/")[1], key) for method, url, key in sent if method == "post"]
    base = attempt.idempotency_key
    assert [key for _url, key in posts] == [
        f"{base}-customer",
        f"{base}-intent",
        f"{base}-confirm",
    ]
