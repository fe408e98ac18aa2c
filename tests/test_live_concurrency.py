"""200 customers press Pay at the same moment, against a real multi-process server
(gunicorn, 4 workers x 4 threads) on the test database: a single-use link is paid once,
a multi-use link capped at 5 is paid 5 times; never a charge without a payment."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from conftest import make_merchant
from livehttp import Client, serve
from pay import good_card
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.services import link_create
from paylinks.processors.models import SandboxCharge
from paylinks.receipts.models import SalesReceipt

pytestmark = pytest.mark.django_db(transaction=True)

SUBMISSIONS = 200


def storm(base: str, path: str) -> list[int]:
    """Every client loads the page first, then all submit together."""
    barrier = threading.Barrier(SUBMISSIONS, timeout=120)

    def one(i: int) -> int:
        client = Client()
        page = client.get(base + path)  # like a customer who opened the page earlier
        token = client.tokenize(
            base, {"type": "card", "number": good_card(i), "exp": "12/31", "cvc": "123"}
        )
        barrier.wait()
        status, _page = client.post_form(
            base + path,
            {
                "name": f"Customer {i}",
                "email": f"c{i}@example.com",
                "method": "card",
                "payment_token": token,
            },
            page=page,
        )
        return status

    with ThreadPoolExecutor(max_workers=SUBMISSIONS) as pool:
        return list(pool.map(one, range(SUBMISSIONS)))


def test_single_use_link_under_200_simultaneous_submissions(tmp_path):
    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="single", amount=12345, description="Deposit")
    with serve(tmp_path, workers=4) as base:
        statuses = storm(base, link.path)
    assert all(s == 200 for s in statuses), sorted(set(statuses))  # redirects are followed
    assert Payment.objects.count() == 1
    assert SalesReceipt.objects.count() == 1
    assert SandboxCharge.objects.count() == 1
    assert not Attempt.objects.filter(outcome="processing").exists()
    link.refresh_from_db()
    assert link.status == "paid"


def test_multi_use_link_capped_at_5_under_200_simultaneous_submissions(tmp_path):
    merchant = make_merchant().merchant
    link = link_create(
        merchant=merchant, kind="multi", amount=500, description="Seat", max_payments=5
    )
    with serve(tmp_path, workers=4) as base:
        storm(base, link.path)
    assert Payment.objects.count() == 5
    assert SandboxCharge.objects.count() == 5
    assert sorted(SalesReceipt.objects.values_list("number", flat=True)) == [1, 2, 3, 4, 5]
    link.refresh_from_db()
    assert link.status == "limit_reached"
