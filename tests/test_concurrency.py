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
