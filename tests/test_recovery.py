"""Crashes and recovery: money is never taken twice and never lost."""

from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from conftest import make_merchant
from livehttp import Client, serve
from pay import card_token, checkout_for, pay_bank, pay_card, stuck_attempt
from paylinks.checkout import velocity
from paylinks.checkout.models import Attempt, Payment
from paylinks.checkout.services import attempt_refresh, payments_reconcile
from paylinks.links.services import link_create
from paylinks.processors.models import SandboxCharge
from paylinks.processors.sandbox import SandboxProcessor
from paylinks.receipts.models import SalesReceipt

PAYER = {"name": "Crash Test", "email": "crash@example.com"}


@pytest.mark.django_db(transaction=True)
def test_server_killed_after_the_charge_then_recovery(tmp_path):
    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="single", amount=7700, description="Deposit")
    with serve(tmp_path, workers=1, PAYLINKS_FAULTS="after_charge") as base:
        try:
            status, _page = Client().pay(base + link.path, PAYER)
        except OSError:  # the connection died with the worker
            status = None
        assert status is None or status >= 500, status  # never a success page
        # The processor charged; paylinks never committed the result.
        assert SandboxCharge.objects.filter(status="succeeded").count() == 1
        attempt = Attempt.objects.get()
        assert attempt.outcome == "processing"
        assert not Payment.objects.exists()
        # Meanwhile the single-use link is held: a second customer cannot pay it too.
        status, page = Client().pay(base + link.path, PAYER)
        assert "already being processed" in page
    counts = payments_reconcile(older_than=timedelta(0))
    assert counts["completed"] == 1
    assert SandboxCharge.objects.count() == 1
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1
    link.refresh_from_db()
    assert link.status == "paid"
    # Running it again, or a late answer for the same attempt, changes nothing.
    payments_reconcile(older_than=timedelta(0))
    attempt_refresh(attempt=attempt)
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1


def test_attempt_the_processor_never_saw_is_failed_and_releases_the_link(merchant):
    link = link_create(merchant=merchant, kind="single", amount=100, description="x")
    stuck_attempt(link)
    assert payments_reconcile(older_than=timedelta(hours=1))["failed"] == 0  # too recent
    assert payments_reconcile(older_than=timedelta(0))["failed"] == 1
    assert pay_card(link).outcome == "succeeded"


def test_processor_idempotency_same_key_charges_once(merchant):
    processor = SandboxProcessor()
    token = card_token()
    first = processor.prepare(
        amount=100, currency="CAD", token=token, idempotency_key="k1", metadata={}
    )
    again = processor.prepare(
        amount=100, currency="CAD", token=token, idempotency_key="k1", metadata={}
    )
    assert first == again and SandboxCharge.objects.count() == 1
    done = processor.confirm(reference=first.reference, idempotency_key="k1")
    assert processor.confirm(reference=first.reference, idempotency_key="k1") == done
    assert done.status == "succeeded" and processor.retrieve(reference=first.reference) == done


def test_lost_settlement_check_is_redone(single_link, settings):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    payment = pay_bank(single_link).payment
    DBTaskResult.objects.all().delete()  # whatever was queued is lost
    payments_reconcile(older_than=timedelta(0))
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.receipt.number == 1


def test_settlement_checks_do_not_multiply(single_link, settings, monkeypatch):
    """Issue 7.6: each reconcile pass over a pending transfer used to start another
    self-repeating settlement chain (1, 2, 3, 4 chains after three passes)."""
    settings.SANDBOX_SETTLE_SECONDS = 3600
    settings.SETTLEMENT_CHECK_SECONDS = 0
    payment = pay_bank(single_link).payment
    asked = []
    real = SandboxProcessor.retrieve
    monkeypatch.setattr(
        SandboxProcessor, "retrieve", lambda self, **kw: asked.append(kw) or real(self, **kw)
    )
    for _ in range(3):
        payments_reconcile(older_than=timedelta(0))
    # One check per payment per pass, and nothing queued that repeats by itself.
    assert len(asked) == 3
    assert not DBTaskResult.objects.filter(task_path__endswith="settle_payment").exists()
    payment.refresh_from_db()
    assert payment.status == "pending" and payment.next_check_at is not None


def test_the_periodic_recovery_task_keeps_itself_scheduled(single_link, run_tasks, settings):
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


def test_recovery_during_the_processor_call_never_fails_a_charge(merchant, monkeypatch):
    """Issue 7.3: with the processor stalled past PAYLINKS_RECOVERY_SECONDS, recovery used
    to fail the attempt; the processor then charged: a charge with no payment. Now, the
    charge taken while the answer is stalled is booked by recovery, once."""
    link = link_create(merchant=merchant, kind="single", amount=4200, description="x")
    real_confirm = SandboxProcessor.confirm

    def stalled_answer(self, **kw):
        result = real_confirm(self, **kw)  # the processor charges...
        # ...and its answer is slow to come back: recovery runs meanwhile.
        assert payments_reconcile(older_than=timedelta(0))["completed"] == 1
        return result

    monkeypatch.setattr(SandboxProcessor, "confirm", stalled_answer)
    attempt = pay_card(link)
    assert attempt.outcome == "succeeded"
    assert SandboxCharge.objects.filter(status="succeeded").count() == 1
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1


def test_recovery_before_a_stalled_confirm_cancels_it_and_nothing_is_charged(merchant, monkeypatch):
    """The confirm is still on its way to the processor when recovery runs: recovery
    cancels the prepared payment at the processor, which then refuses the late confirm.
    Either way charges and payments agree."""
    link = link_create(merchant=merchant, kind="single", amount=4200, description="x")
    real_confirm = SandboxProcessor.confirm

    def stalled_request(self, **kw):
        assert payments_reconcile(older_than=timedelta(0))["cancelled"] == 1
        return real_confirm(self, **kw)

    monkeypatch.setattr(SandboxProcessor, "confirm", stalled_request)
    attempt = pay_card(link)
    assert attempt.outcome == "failed" and attempt.failure_code == "abandoned"
    assert not SandboxCharge.objects.filter(status="succeeded").exists()
    assert not Payment.objects.exists()
    monkeypatch.undo()
    link.refresh_from_db()
    assert link.accepts_payments and pay_card(link).outcome == "succeeded"


def test_recovery_before_the_processor_is_asked_to_charge_fences_the_request(merchant, monkeypatch):
    """The other half of the race: recovery gives up on an attempt the processor was not
    asked to charge; the request, still running, must then never charge it."""
    link = link_create(merchant=merchant, kind="single", amount=4200, description="x")
    real_prepare = SandboxProcessor.prepare

    def slow_prepare(self, **kw):
        result = real_prepare(self, **kw)
        assert payments_reconcile(older_than=timedelta(0))["failed"] == 1
        return result

    monkeypatch.setattr(SandboxProcessor, "prepare", slow_prepare)
    attempt = pay_card(link)
    assert attempt.outcome == "failed" and attempt.failure_code == "processing_unreachable"
    assert not SandboxCharge.objects.filter(status="succeeded").exists()
    assert SandboxCharge.objects.get().status == "canceled"
    # Failures of ours are not card failures: nothing counts against the customer.
    keys = velocity.keys(
        link_id=link.pk,
        merchant_id=merchant.pk,
        client_ip=None,
        fingerprint=attempt.card_fingerprint,
    )
    assert velocity.tripped(keys) == "" and all(
        velocity.counter().count(k, 3600) == 0 for k in keys.values()
    )
    monkeypatch.undo()
    link.refresh_from_db()
    assert link.accepts_payments and pay_card(link).outcome == "succeeded"


def test_a_processor_without_an_answer_is_asked_again_and_a_late_success_is_booked(
    merchant, monkeypatch
):
    from paylinks.processors.base import ProcessorError

    link = link_create(merchant=merchant, kind="multi", amount=900, description="x")

    def unreachable(self, **kw):
        raise ProcessorError("timeout")

    real_confirm = SandboxProcessor.confirm
    monkeypatch.setattr(SandboxProcessor, "confirm", unreachable)
    attempt = pay_card(link)
    assert attempt.outcome == "processing" and attempt.processor_ref
    monkeypatch.setattr(SandboxProcessor, "retrieve", unreachable)
    for _ in range(3):  # the processor says nothing: recovery keeps asking, never fails it
        assert payments_reconcile(older_than=timedelta(0))["waiting"] == 1
    monkeypatch.undo()
    # The processor did take the money after all (the confirm reached it):
    real_confirm(SandboxProcessor(), reference=attempt.processor_ref, idempotency_key="late")
    assert payments_reconcile(older_than=timedelta(0))["completed"] == 1
    attempt.refresh_from_db()
    assert attempt.outcome == "succeeded" and attempt.payment.receipt.number == 1


def test_one_checkout_submitted_many_times_charges_once(multi_link):
    """Issue 7.1: Pay pressed twice (or the POST re-sent) on one page load used to make two
    charges, two payments and two receipts."""
    checkout = checkout_for(multi_link)
    attempts = [pay_card(multi_link, checkout=checkout) for _ in range(3)]
    assert {a.pk for a in attempts} == {attempts[0].pk}
    assert SandboxCharge.objects.filter(status="succeeded").count() == 1
    assert Payment.objects.count() == 1 and SalesReceipt.objects.count() == 1


def test_the_amount_charged_is_the_amount_shown(merchant, client):
    """Issue 7.2: the page showed $10.00, the merchant edited the unused link to $1,000.00,
    and the customer was charged $1,000.00."""
    from pay import post_pay
    from paylinks.links.services import link_update

    link = link_create(merchant=merchant, kind="multi", amount=1000, description="x")
    page = client.get(link.path).content.decode()
    assert "$10.00" in page
    link_update(link=link, amount=100000)
    r = post_pay(client, link, page=page)
    body = r.content.decode()
    assert "changed since you opened it" in body and "$1,000.00" in body
    assert not SandboxCharge.objects.filter(status="succeeded").exists()
    assert not Payment.objects.exists()
    # Paying from the refreshed page charges what it now shows.
    r = post_pay(client, link, page=body)
    assert Payment.objects.get().amount == 100000
