"""Crashes and recovery: money is never taken twice and never lost."""

from datetime import timedelta

import pytest

from conftest import make_merchant
from livehttp import Client, serve
from pay import pay_card, stuck_attempt
from paylinks.checkout.models import Attempt, Payment
from paylinks.checkout.services import attempt_record_result, payments_reconcile
from paylinks.links.services import link_create
from paylinks.processors.base import get_processor
from paylinks.processors.models import SandboxCharge
from paylinks.receipts.models import SalesReceipt

CARD = {
    "name": "Crash Test",
    "email": "crash@example.com",
    "method": "card",
    "card_number": "4242424242424242",
    "card_exp": "12/31",
    "card_cvc": "123",
    "card_postal_code": "H2X 1Y4",
}


@pytest.mark.django_db(transaction=True)
def test_server_killed_after_the_charge_then_recovery(tmp_path):
    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="single", amount=7700, description="Deposit")
    with serve(tmp_path, workers=1, PAYLINKS_FAULTS="after_charge") as base:
        try:
            status, _page = Client().post_form(base + link.path, CARD)
        except OSError:  # the connection died with the worker
            status = None
        assert status is None or status >= 500, status  # never a success page
        # The processor charged; paylinks never committed the result.
        assert SandboxCharge.objects.filter(status="succeeded").count() == 1
        attempt = Attempt.objects.get()
        assert attempt.outcome == "processing"
        assert not Payment.objects.exists()
        # Meanwhile the single-use link is held: a second customer cannot pay it too.
        status, page = Client().post_form(base + link.path, CARD)
        assert "already being processed" in page
    counts = payments_reconcile(older_than=timedelta(0))
    assert counts["completed"] == 1
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1
    link.refresh_from_db()
    assert link.status == "paid"
    # Running it again, or a late answer for the same attempt, changes nothing.
    payments_reconcile(older_than=timedelta(0))
    attempt_record_result(
        attempt=attempt, result=get_processor().retrieve(idempotency_key=attempt.idempotency_key)
    )
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1


def test_attempt_the_processor_never_saw_is_failed_and_releases_the_link(merchant):
    link = link_create(merchant=merchant, kind="single", amount=100, description="x")
    stuck_attempt(link)
    assert payments_reconcile(older_than=timedelta(hours=1))["failed"] == 0  # too recent
    assert payments_reconcile(older_than=timedelta(0))["failed"] == 1
    assert pay_card(link).outcome == "succeeded"


def test_processor_idempotency_same_key_charges_once(merchant):
    from pay import card

    processor = get_processor()
    first = processor.charge_card(amount=100, currency="CAD", card=card(), idempotency_key="k1")
    again = processor.charge_card(amount=100, currency="CAD", card=card(), idempotency_key="k1")
    assert first == again and SandboxCharge.objects.count() == 1
    assert processor.retrieve(idempotency_key="k1") == first
    assert processor.retrieve(idempotency_key="nope") is None


def test_lost_settlement_check_is_redone(single_link, settings):
    from pay import pay_bank

    settings.SANDBOX_SETTLE_SECONDS = 0
    payment = pay_bank(single_link).payment
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.all().delete()  # the queued settlement check is lost
    payments_reconcile(older_than=timedelta(0))
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.receipt.number == 1


def test_the_periodic_recovery_task_keeps_itself_scheduled(single_link, run_tasks, settings):
    from django_tasks_db.models import DBTaskResult

    from paylinks.checkout.tasks import reconcile_payments, schedule_reconciliation

    settings.RECOVERY_SECONDS = 0
    queued = DBTaskResult.objects.filter(task_path=reconcile_payments.module_path)
    schedule_reconciliation()
    schedule_reconciliation()  # a second worker starting: still one run queued
    assert queued.filter(status="READY").count() == 1
    stuck_attempt(single_link)
    run_tasks()  # runs the recovery pass, which queues the next one for later
    assert Attempt.objects.get().outcome == "failed"
    assert queued.filter(status="SUCCESSFUL").count() == 1
    assert queued.filter(status="READY").count() == 1
