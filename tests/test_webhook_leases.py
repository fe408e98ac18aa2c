"""A task worker killed while it posts a webhook loses no event: a real `paylinks worker`
is SIGKILLed while the receiver holds its request open; the next worker delivers it, with
the same webhook-id, verified with standardwebhooks."""

import os
import signal
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult
from standardwebhooks import Webhook

from livehttp import serve_process, wait_for
from pay import pay_card
from paylinks.links.services import link_create
from paylinks.webhooks.models import Delivery, Event
from paylinks.webhooks.services import endpoint_create
from webhook_receiver import receiving

pytestmark = pytest.mark.django_db(transaction=True)

FAST_LEASES = {"PAYLINKS_WORKER_HEARTBEAT_SECONDS": "1", "PAYLINKS_WORKER_LEASE_SECONDS": "3"}


def deliveries_done() -> bool:
    return not Delivery.objects.exclude(status="succeeded").exists()


def test_a_worker_killed_mid_delivery_loses_no_event(tmp_path, merchant):
    with receiving() as receiver:
        receiver.hold_first = True
        endpoint = endpoint_create(merchant=merchant, url=receiver.url, enabled_events=["*"])
        receiver.secret = endpoint.secret
        link = link_create(merchant=merchant, kind="multi", amount=1500, description="Tea")
        pay_card(link)
        events = sorted(
            Event.objects.filter(merchant=merchant)
            .exclude(type__startswith="payment_account.")
            .values_list("public_id", flat=True)
        )
        assert len(events) == 3  # the link created, the payment, its sales receipt

        # The first worker posts an event and waits for the answer (a long timeout: the
        # kill, not the timeout, ends its attempt); it is killed while it waits.
        with serve_process(
            tmp_path,
            command="worker",
            name="worker1",
            PAYLINKS_WEBHOOK_TIMEOUT_SECONDS="600",
            **FAST_LEASES,
        ) as first:
            wait_for(receiver.holding.is_set, "a delivery reaches the receiver", served=first)
            os.kill(first.proc.pid, signal.SIGKILL)
            first.proc.wait()
        receiver.release.set()
        held_id = receiver.requests[0]["id"]
        held = Delivery.objects.get(event__public_id=held_id)
        # It was mid-post: taken (leased), nothing recorded, its task still "running".
        assert (held.status, held.attempts) == ("pending", 0) and held.leased_by
        running = DBTaskResult.objects.filter(
            status="RUNNING", task_path__endswith="deliver_webhook"
        )
        assert running.count() == 1

        with serve_process(tmp_path, command="worker", name="worker2", **FAST_LEASES) as second:
            wait_for(deliveries_done, "every delivery succeeds", served=second)

    acknowledged = [r for r in receiver.requests if r["status"] == 200]
    assert sorted(r["id"] for r in acknowledged) == events  # each event, none lost
    for request in receiver.requests:
        payload = Webhook(endpoint.secret).verify(request["body"], request["headers"])
        assert payload["id"] == request["id"] == request["headers"]["webhook-id"]
    # The held event was posted again by the second worker, with the same id and body.
    again = [r for r in receiver.requests if r["id"] == held_id]
    assert [r["status"] for r in again] == ["held", 200]
    assert again[0]["body"] == again[1]["body"]
    held.refresh_from_db()
    assert (held.status, held.attempts, held.leased_by) == ("succeeded", 1, "")


def test_the_lease_outlasts_the_attempt_however_long_its_timeout(merchant, run_tasks, settings):
    """While a worker posts, the delivery is leased to it for longer than the attempt may
    last, so no other worker takes it over from a live one."""
    from django.db import connection
    from django.utils import timezone

    from webhook_receiver import raw_server

    settings.WEBHOOK_TIMEOUT_SECONDS = 600
    seen = []

    def answer(conn) -> None:
        conn.recv(65536)
        try:  # what another worker would see while this one waits for the answer
            seen.append(Delivery.objects.values_list("next_attempt_at", flat=True).get())
        finally:
            connection.close()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")

    with raw_server(answer) as url:
        endpoint_create(merchant=merchant, url=url, enabled_events=["*"])
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
    (lease_end,) = seen
    assert lease_end - timezone.now() > timedelta(seconds=600)
    assert Delivery.objects.get().status == "succeeded"
