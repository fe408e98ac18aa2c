"""Simultaneous submissions on one link: a single-use link is paid exactly once, a capped
multi-use link never goes over its cap. Runs on SQLite (writers serialise) and on
PostgreSQL (row locks), each thread with its own database connection."""

import threading

import pytest
from django.db import connection

from conftest import make_merchant
from pay import good_card, pay_card
from paylinks.checkout.models import Payment
from paylinks.checkout.services import PaymentRefused
from paylinks.links.services import link_create
from paylinks.processors.models import SandboxCharge
from paylinks.receipts.models import SalesReceipt

pytestmark = pytest.mark.django_db(transaction=True)


def fire(link, n: int) -> dict[str, int]:
    barrier = threading.Barrier(n)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def one(i: int) -> None:
        try:
            barrier.wait()
            attempt = pay_card(link, good_card(i), name=f"Payer {i}", email=f"p{i}@example.com")
            key = attempt.outcome
        except PaymentRefused as e:
            key = e.code
        except Exception as e:  # any other error is a bug: count it
            key = f"error: {e!r}"
        finally:
            connection.close()
        with lock:
            outcomes[key] = outcomes.get(key, 0) + 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_single_use_link_paid_exactly_once_under_concurrent_submissions():
    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="single", amount=5000, description="Deposit")
    outcomes = fire(link, 16)
    assert outcomes.get("succeeded") == 1, outcomes
    assert set(outcomes) <= {"succeeded", "in_progress", "inactive"}, outcomes
    assert Payment.objects.count() == 1
    assert SalesReceipt.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    link.refresh_from_db()
    assert link.status == "paid"


def test_capped_multi_use_link_never_exceeds_its_cap():
    merchant = make_merchant().merchant
    link = link_create(
        merchant=merchant, kind="multi", amount=900, description="Seat", max_payments=3
    )
    outcomes = fire(link, 16)
    assert outcomes.get("succeeded") == 3, outcomes
    assert Payment.objects.count() == 3
    assert SandboxCharge.objects.count() == 3, (
        outcomes,
        list(SandboxCharge.objects.values_list("status", "failure_code")),
    )
    assert sorted(SalesReceipt.objects.values_list("number", flat=True)) == [1, 2, 3]
    link.refresh_from_db()
    assert link.status == "limit_reached"


def test_concurrent_payments_on_many_links_number_receipts_without_gaps():
    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="multi", amount=100, description="Coffee")
    outcomes = fire(link, 12)
    assert outcomes == {"succeeded": 12}, outcomes
    assert sorted(SalesReceipt.objects.values_list("number", flat=True)) == list(range(1, 13))
    merchant.refresh_from_db()
    assert merchant.last_receipt_number == 12


def test_concurrent_payout_passes_pay_each_payment_out_once():
    """Passes for today and for tomorrow racing: every payment lands in one payout, and
    each payout's amount is exactly what it contains."""
    from datetime import timedelta

    from django.db.models import Sum
    from django.utils import timezone

    from paylinks.books.services import payment_fee_record, payouts_sandbox_make
    from paylinks.receipts.models import Payout

    yesterday = timezone.now() - timedelta(days=1)
    for m in range(3):
        merchant = make_merchant(email=f"m{m}@shop.test").merchant
        link = link_create(merchant=merchant, kind="multi", amount=1000 + m, description="Tea")
        for i in range(4):
            payment = pay_card(link, good_card(10 * m + i)).payment
            Payment.objects.filter(pk=payment.pk).update(settled_at=yesterday)
            payment_fee_record(payment=Payment.objects.get(pk=payment.pk))
    today = timezone.localdate()
    days = [today, today + timedelta(days=1)] * 4
    barrier = threading.Barrier(len(days))
    errors = []

    def one(day) -> None:
        try:
            barrier.wait()
            payouts_sandbox_make(today=day)
        except Exception as e:  # any error is a bug
            errors.append(repr(e))
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(day,)) for day in days]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert not Payment.objects.filter(payout__isnull=True).exists()
    assert Payout.objects.values("merchant").distinct().count() == 3
    for payout in Payout.objects.all():
        sums = payout.payments.aggregate(gross=Sum("amount"), fees=Sum("fee"))
        assert sums["gross"] and payout.amount == sums["gross"] - sums["fees"]
    assert Payout.objects.count() <= 6  # at most one per merchant and day
