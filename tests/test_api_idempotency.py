"""The Idempotency-Key header: replay, conflict, in-use, expiry, and concurrent requests."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from api_client import Api
from conftest import is_postgres, make_merchant
from paylinks.api.models import IdempotencyKey
from paylinks.api.services import (
    IDEMPOTENCY_LOCK_TIMEOUT,
    IDEMPOTENCY_TTL,
    idempotency_begin,
    request_fingerprint,
)
from paylinks.links.models import PaymentLink

NEW_LINK = {"type": "multi", "amount": 1000, "description": "Tickets"}


@pytest.fixture
def api(client, merchant) -> Api:
    return Api(client, merchant)


@pytest.mark.django_db
def test_same_key_same_params_replays_status_and_body(api):
    first = api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "k1"})
    assert first.status_code == 200
    again = api.post(
        "/payment_links",
        {"description": "Tickets", "amount": 1000, "type": "multi"},  # key order aside
        **{"Idempotency-Key": "k1"},
    )
    assert again.status_code == 200 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert PaymentLink.objects.count() == 1
    # Without a key, or with another, the request runs again.
    api.post("/payment_links", NEW_LINK)
    api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "k2"})
    assert PaymentLink.objects.count() == 3


@pytest.mark.django_db
def test_an_error_response_is_replayed_too(api):
    bad = NEW_LINK | {"amount": -1}
    first = api.post("/payment_links", bad, **{"Idempotency-Key": "bad"})
    again = api.post("/payment_links", bad, **{"Idempotency-Key": "bad"})
    assert first.status_code == again.status_code == 400
    assert first.json() == again.json()


@pytest.mark.django_db
def test_same_key_other_params_is_422(api):
    api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "k"})
    response = api.post("/payment_links", NEW_LINK | {"amount": 9}, **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("idempotency_error", "idempotency_key_reused")
    link_id = PaymentLink.objects.get().public_id
    other_path = api.post(f"/payment_links/{link_id}/deactivate", **{"Idempotency-Key": "k"})
    assert other_path.status_code == 422
    assert PaymentLink.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_merchant(client, api):
    other = Api(Client(), make_merchant("other@shop.test").merchant)
    a = api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "shared"})
    b = other.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "shared"})
    assert a.json()["id"] != b.json()["id"]
    assert PaymentLink.objects.count() == 2


@pytest.mark.django_db
def test_key_while_first_request_runs_is_409_until_it_is_stale(api, merchant):
    body = b'{"type": "multi", "amount": 1000, "description": "Tickets"}'
    outcome = idempotency_begin(
        merchant=merchant,
        key="running",
        method="POST",
        path="/api/v1/payment_links",
        fingerprint=request_fingerprint(method="POST", path="/api/v1/payment_links", body=body),
    )
    assert outcome.action == "run"
    response = api.post("/payment_links", raw=body, **{"Idempotency-Key": "running"})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_key_in_use"
    assert PaymentLink.objects.count() == 0
    # Its process died (its transaction rolled back): after the lock timeout it runs again.
    IdempotencyKey.objects.update(
        locked_at=timezone.now() - IDEMPOTENCY_LOCK_TIMEOUT - timedelta(seconds=1)
    )
    response = api.post("/payment_links", raw=body, **{"Idempotency-Key": "running"})
    assert response.status_code == 200
    assert PaymentLink.objects.count() == 1


@pytest.mark.django_db
def test_keys_expire_after_24_hours(api):
    api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "old"})
    IdempotencyKey.objects.update(created_at=timezone.now() - IDEMPOTENCY_TTL - timedelta(1))
    response = api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "old"})
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert PaymentLink.objects.count() == 2


@pytest.mark.django_db
def test_bad_key_header_and_no_auth(client, api):
    for bad in ("x" * 256, "two words", "é"):
        assert api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": bad}).status_code == 400
    assert (
        Api(client).post("/payment_links", NEW_LINK, **{"Idempotency-Key": "k"}).status_code == 401
    )
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_create_one_link():
    """Many clients send the same key at once: one link; every answer is the first's
    response replayed, or 409 while it runs. On PostgreSQL, truly in parallel."""
    merchant = make_merchant().merchant
    secret = Api(Client(), merchant).secret
    n = 12 if is_postgres() else 6
    barrier = threading.Barrier(n)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def one() -> None:
        try:
            api = Api(Client(), secret=secret)
            barrier.wait()
            response = api.post("/payment_links", NEW_LINK, **{"Idempotency-Key": "race"})
            with lock:
                results.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == n
    assert PaymentLink.objects.count() == 1
    link_id = PaymentLink.objects.get().public_id
    for status, body in results:
        assert status in (200, 409), (status, body)
        if status == 200:
            assert body["id"] == link_id
        else:
            assert body["error"]["code"] == "idempotency_key_in_use"
    assert any(status == 200 for status, _ in results)
