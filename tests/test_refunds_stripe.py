"""Refunds through Stripe (localstripe): ours, and those made in Stripe's own dashboard,
learnt from its signed webhooks and booked once whatever the order and the repeats."""

import json

import pytest
from django.urls import reverse

from conftest import STRIPE_ENV
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create
from paylinks.processors.base import get_processor
from paylinks.processors.models import InboundEvent
from paylinks.receipts import refunds as refunds_module
from paylinks.receipts.models import Refund, RefundReceipt
from paylinks.receipts.refunds import refund_create
from test_stripe import pay, signed


@pytest.fixture
def payment(stripe_merchant, localstripe) -> Payment:
    link = link_create(merchant=stripe_merchant, kind="multi", amount=2500, description="Tea")
    attempt = pay(link, localstripe)
    assert attempt.outcome == "succeeded"
    return Payment.objects.get(attempt=attempt)


def stripe_refunds(payment: Payment) -> list:
    return get_processor().client.v1.refunds.list({"payment_intent": payment.processor_ref}).data


def deliver(client, payment: Payment, event_id: str, type_: str, obj: dict) -> None:
    body = json.dumps(
        {"id": event_id, "object": "event", "type": type_, "data": {"object": obj}}
    ).encode()
    account = payment.merchant.payments_account
    url = reverse("processors:stripe_webhook", args=[account.public_id])
    secret = STRIPE_ENV["PAYLINKS_STRIPE_WEBHOOK_SECRET"]
    r = client.post(
        url, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signed(body, secret)
    )
    assert r.status_code == 200


def charge_refunded(payment: Payment) -> dict:
    return {"id": "ch_x", "object": "charge", "payment_intent": payment.processor_ref}


def test_a_refund_through_stripe_writes_its_receipt(payment):
    done = refund_create(
        payment=payment,
        amount=1000,
        reason="requested_by_customer",
        idempotency_key="stripe-1",
        source="dashboard",
        requested_by=None,
    )
    assert done.status == "succeeded" and done.processor_ref.startswith("re_")
    assert done.receipt.number == 1
    [at_stripe] = stripe_refunds(payment)
    assert at_stripe.id == done.processor_ref and at_stripe.amount == 1000
    assert at_stripe.metadata["paylinks_refund"] == done.public_id


def test_a_refund_made_in_stripes_dashboard_is_booked_once(payment, client, run_tasks):
    ours = refund_create(
        payment=payment,
        amount=1000,
        reason="duplicate",
        idempotency_key="ours",
        source="api",
        requested_by=None,
    )
    # The merchant refunds 4 $ more in Stripe's own dashboard: paylinks hears of it by
    # webhook, delivered twice, plus the refund's own event.
    theirs = get_processor().client.v1.refunds.create(
        {"payment_intent": payment.processor_ref, "amount": 400}
    )
    deliver(client, payment, "evt_1", "charge.refunded", charge_refunded(payment))
    deliver(client, payment, "evt_1", "charge.refunded", charge_refunded(payment))
    refund_obj = {"id": theirs.id, "object": "refund", "payment_intent": payment.processor_ref}
    deliver(client, payment, "evt_2", "refund.created", refund_obj)
    assert InboundEvent.objects.count() == 2
    run_tasks()
    assert Refund.objects.count() == 2
    booked = Refund.objects.get(source="processor")
    assert (booked.amount, booked.status, booked.processor_ref) == (400, "succeeded", theirs.id)
    assert booked.receipt.number == 2
    ours.refresh_from_db()
    assert ours.receipt.number == 1  # ours, known by its metadata: not booked again
    payment.refresh_from_db()
    assert payment.amount_refunded == 1400
    assert sorted(RefundReceipt.objects.values_list("amount", flat=True)) == [400, 1000]
    results = set(InboundEvent.objects.values_list("result", flat=True))
    assert results == {"refunds_2"}


def test_a_webhook_arriving_before_our_own_recording_books_it_once(
    payment, client, run_tasks, monkeypatch
):
    """Stripe refunded and told us by webhook before the request recorded the answer (it
    died there): the webhook records our own refund, found by its metadata; the recheck
    later finds it done."""

    class Crash(BaseException):
        pass

    def crash(name: str) -> None:
        if name == "after_refund":
            raise Crash

    monkeypatch.setattr(refunds_module, "crash_point", crash)
    with pytest.raises(Crash):
        refund_create(
            payment=payment,
            amount=2500,
            reason="other",
            idempotency_key="crash",
            source="dashboard",
            requested_by=None,
        )
    monkeypatch.undo()
    pending = Refund.objects.get()
    assert pending.status == "pending" and pending.processor_ref == ""
    deliver(client, payment, "evt_3", "charge.refunded", charge_refunded(payment))
    run_tasks()
    pending.refresh_from_db()
    assert pending.status == "succeeded" and pending.processor_ref.startswith("re_")
    assert Refund.objects.count() == 1 and RefundReceipt.objects.get().number == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == 2500
    assert len(stripe_refunds(payment)) == 1
