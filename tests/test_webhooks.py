"""Webhooks: the outbox, signed deliveries to a real receiver, retries, disabling, SSRF."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import make_merchant
from pay import pay_bank, pay_card
from paylinks.checkout.models import Payment
from paylinks.checkout.services import payment_settle
from paylinks.links.services import link_create, link_deactivate
from paylinks.merchants.models import PaymentsAccount
from paylinks.merchants.services import payments_account_reject
from paylinks.webhooks.models import Delivery, DeliveryAttempt, Event
from paylinks.webhooks.services import (
    JITTER,
    SCHEDULE,
    delivery_resend,
    endpoint_create,
    event_record,
)
from webhook_receiver import receiving

pytestmark = pytest.mark.django_db


def advance(run_tasks) -> None:
    """Let the clock reach every scheduled retry, then run what is due."""
    now = timezone.now()
    Delivery.objects.filter(status="pending").update(next_attempt_at=now - timedelta(seconds=1))
    DBTaskResult.objects.filter(status="READY").update(run_after=now - timedelta(seconds=1))
    run_tasks()


def link_events(merchant):
    """The merchant's events after its endpoint was made (not its account's approval)."""
    return Event.objects.filter(merchant=merchant).exclude(type__startswith="payment_account.")


@pytest.fixture
def receiver(merchant):
    with receiving() as r:
        endpoint = endpoint_create(merchant=merchant, url=r.url, enabled_events=["*"])
        r.secret = endpoint.secret
        r.endpoint = endpoint
        yield r


def test_event_is_written_with_the_change_or_not_at_all(merchant):
    with pytest.raises(RuntimeError), transaction.atomic():
        link_create(merchant=merchant, kind="multi", amount=100, description="Rolled back")
        assert Event.objects.filter(type="payment_link.created").exists()
        raise RuntimeError
    assert not Event.objects.filter(type="payment_link.created").exists()
    link = link_create(merchant=merchant, kind="multi", amount=100, description="Kept")
    event = Event.objects.get(type="payment_link.created")
    assert event.data["object"]["id"] == link.public_id
    assert event.public_id.startswith("evt_") and event.merchant == merchant


def test_every_event_type_is_recorded(merchant, single_link, multi_link, settings):
    settings.SANDBOX_SETTLE_SECONDS = 0
    link_deactivate(link=multi_link)
    from paylinks.links.services import link_activate, link_update

    link_activate(link=multi_link)
    link_update(link=multi_link, amount=1300)
    multi_link.refresh_from_db()  # the customer's page shows the new amount
    pay_card(single_link)
    pay_card(multi_link, number="4000000000000002")  # declined: an attempt, no payment

    def bank_link(description: str):
        return link_create(
            merchant=merchant,
            kind="multi",
            amount=5,
            description=description,
            allow_bank_transfer=True,
        )

    transfer = pay_bank(bank_link("T"))
    payment_settle(payment=Payment.objects.get(attempt=transfer))
    failing = pay_bank(bank_link("F"), account="000111111116")
    payment_settle(payment=Payment.objects.get(attempt=failing))
    other = make_merchant("other@shop.test", approved=False).merchant
    from paylinks.merchants.services import payments_account_apply

    payments_account_apply(
        merchant=other,
        legal_name="Other",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="1234567",
    )
    # The sandbox approves at once: an application under review, as with a real processor.
    PaymentsAccount.objects.filter(merchant=other).update(status="pending")
    payments_account_reject(account=PaymentsAccount.objects.get(merchant=other), reason="No")
    types = set(Event.objects.values_list("type", flat=True))
    assert types >= {
        "payment_link.created",
        "payment_link.updated",
        "payment_link.deactivated",
        "payment_link.activated",
        "payment_link.paid",
        "payment.succeeded",
        "payment.pending",
        "payment.failed",
        "payment_attempt.failed",
        "sales_receipt.created",
        "payment_account.approved",
        "payment_account.rejected",
    }, types
    paid = Event.objects.get(type="payment_link.paid")
    assert paid.data["object"]["id"] == single_link.public_id
    assert paid.data["object"]["status"] == "paid"


def test_receiver_verifies_every_delivery_of_a_paid_link(receiver, merchant, run_tasks):
    link = link_create(merchant=merchant, kind="single", amount=4200, description="Cake")
    pay_card(link)
    run_tasks()
    delivered = receiver.delivered()
    assert all(r["verified"] for r in receiver.requests)
    assert [p["type"] for p in delivered] == [
        "payment_link.created",
        "payment.succeeded",
        "sales_receipt.created",
        "payment_link.paid",
    ]
    assert {r["id"] for r in receiver.requests} == set(
        link_events(merchant).values_list("public_id", flat=True)
    )
    payment = delivered[1]["data"]["object"]
    assert (payment["object"], payment["amount"], payment["currency"]) == ("payment", 4200, "CAD")
    assert Delivery.objects.filter(status="succeeded").count() == 4
    log = DeliveryAttempt.objects.first()
    assert log.status_code == 200 and log.response_excerpt == "ok"


def test_a_receiver_that_fails_for_a_while_gets_every_event_with_a_stable_id(
    receiver, merchant, run_tasks
):
    receiver.fail_first = 7
    for i in range(3):
        link_create(merchant=merchant, kind="multi", amount=100 + i, description=f"L{i}")
    run_tasks()
    rounds = 0
    while Delivery.objects.filter(status="pending").exists():
        advance(run_tasks)
        rounds += 1
        assert rounds < 10
    events = list(link_events(merchant).values_list("public_id", flat=True))
    acknowledged = [p["id"] for p in receiver.delivered()]
    assert sorted(acknowledged) == sorted(events)  # each once, none lost
    for event_id in events:
        tries = [r for r in receiver.requests if r["id"] == event_id]
        assert len(tries) >= 2 and all(r["verified"] for r in tries)
        assert {r["payload"]["id"] for r in tries} == {event_id}
        assert len({r["body"] for r in tries}) == 1  # the same body on every retry
    assert all(d.attempts >= 2 for d in Delivery.objects.all())


def test_retries_follow_the_schedule_with_jitter(receiver, merchant, run_tasks):
    receiver.fail_first = 10**6
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    delivery = Delivery.objects.get()
    for attempt in range(1, len(SCHEDULE) + 2):
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        if attempt <= len(SCHEDULE):
            last = delivery.log.first().attempted_at
            delay = (delivery.next_attempt_at - last).total_seconds()
            expected = SCHEDULE[attempt - 1].total_seconds()
            assert expected * (1 - JITTER) - 1 <= delay <= expected * (1 + JITTER) + 1
            advance(run_tasks)
    assert delivery.status == "failed" and delivery.attempts == len(SCHEDULE) + 1
    assert [r["status"] for r in receiver.requests] == [500] * (len(SCHEDULE) + 1)


def test_410_disables_the_endpoint_and_tells_the_merchant(
    receiver, merchant, run_tasks, mailoutbox
):
    receiver.fail_first, receiver.fail_status = 1, 410
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    receiver.endpoint.refresh_from_db()
    assert not receiver.endpoint.is_active
    assert Delivery.objects.get().status == "failed"
    assert [m.to for m in mailoutbox] == [["owner@bakery.test"]]
    assert receiver.url in mailoutbox[0].subject
    link_create(merchant=merchant, kind="multi", amount=100, description="L2")
    run_tasks()
    assert len(receiver.requests) == 1  # a disabled endpoint gets nothing more


def test_a_redirect_is_a_failure(receiver, merchant, run_tasks):
    receiver.fail_first, receiver.fail_status = 1, 302
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.log.get().status_code == 302


def test_an_endpoint_failing_too_long_is_disabled(receiver, merchant, run_tasks, mailoutbox):
    receiver.fail_first = 10**6
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    receiver.endpoint.refresh_from_db()
    assert receiver.endpoint.is_active and receiver.endpoint.failing_since is not None
    type(receiver.endpoint).objects.filter(pk=receiver.endpoint.pk).update(
        failing_since=timezone.now() - timedelta(days=6)
    )
    advance(run_tasks)
    receiver.endpoint.refresh_from_db()
    assert not receiver.endpoint.is_active
    assert len(mailoutbox) == 1


def test_manual_resend(receiver, merchant, run_tasks):
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    delivery_resend(delivery=Delivery.objects.get())
    run_tasks()
    assert [r["id"] for r in receiver.requests] == [link_events(merchant).get().public_id] * 2


def test_endpoints_get_only_their_merchants_subscribed_events(merchant, run_tasks):
    other = make_merchant("other@shop.test").merchant
    with receiving() as mine, receiving() as theirs:
        e = endpoint_create(merchant=merchant, url=mine.url, enabled_events=["payment.succeeded"])
        mine.secret = e.secret
        theirs.secret = endpoint_create(merchant=other, url=theirs.url, enabled_events=["*"]).secret
        link = link_create(merchant=merchant, kind="multi", amount=100, description="L")
        pay_card(link)
        run_tasks()
        assert [p["type"] for p in mine.delivered()] == ["payment.succeeded"]
        assert theirs.requests == []


@pytest.mark.parametrize(
    ("url", "live", "ok"),
    [
        ("http://127.0.0.1:9/x", False, True),
        ("http://localhost:9/x", False, True),
        ("https://127.0.0.1/x", True, False),
        ("http://example.com/x", True, False),
        ("http://10.1.2.3/x", False, False),
        ("https://192.168.0.1/x", True, False),
        ("https://169.254.169.254/latest", True, False),
        ("https://[::1]/x", True, False),
        ("ftp://example.com/x", False, False),
        ("http://user:pass@127.0.0.1:9/x", False, False),
        ("https://user@example.com/x", True, False),
    ],
)
def test_ssrf_guard(merchant, settings, url, live, ok):
    from django.core.exceptions import ValidationError

    if live:
        settings.PROCESSOR = "stripe"
    if ok:
        endpoint_create(merchant=merchant, url=url, enabled_events=["*"])
    else:
        with pytest.raises(ValidationError) as e:
            endpoint_create(merchant=merchant, url=url, enabled_events=["*"])
        assert "url" in e.value.message_dict


def test_event_record_rejects_unknown_types(merchant, multi_link):
    with pytest.raises(ValueError):
        event_record(merchant=merchant, type="payment_link.exploded", obj=multi_link)


# --- dashboard -----------------------------------------------------------------------------


def test_dashboard_endpoints_deliveries_and_resend(logged_in, merchant, run_tasks):
    with receiving() as r:
        response = logged_in.post(
            "/developers/webhooks/",
            {"url": r.url, "description": "books", "enabled_events": ["payment_link.created"]},
        )
        assert response.status_code == 302
        endpoint = merchant.webhook_endpoints.get()
        r.secret = endpoint.secret
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
        page = logged_in.get(response["Location"]).content.decode()
        assert endpoint.secret in page and "payment_link.created" in page and "HTTP 200" in page
        delivery = Delivery.objects.get()
        response = logged_in.post(f"/developers/webhooks/deliveries/{delivery.public_id}/resend/")
        assert response.status_code == 302
        run_tasks()
        assert len(r.delivered()) == 2
        logged_in.post(f"/developers/webhooks/{endpoint.public_id}/disable/")
        endpoint.refresh_from_db()
        assert not endpoint.is_active
        logged_in.post(f"/developers/webhooks/{endpoint.public_id}/enable/")
        endpoint.refresh_from_db()
        assert endpoint.is_active
    bad = logged_in.post("/developers/webhooks/", {"url": "ftp://x", "enabled_events": ["*"]})
    assert bad.status_code == 200 and merchant.webhook_endpoints.count() == 1
    other = make_merchant("other@shop.test").merchant
    theirs = endpoint_create(merchant=other, url="http://127.0.0.1:9/", enabled_events=["*"])
    assert logged_in.get(f"/developers/webhooks/{theirs.public_id}/").status_code == 404
    assert logged_in.post(f"/developers/webhooks/{theirs.public_id}/delete/").status_code == 404


def test_dashboard_api_keys_shown_once_and_revoked(logged_in, merchant, client):
    from paylinks.api.models import ApiKey

    page = logged_in.post("/developers/api-keys/", {"name": "till"}).content.decode()
    key = ApiKey.objects.get(merchant=merchant)
    secret = page.split('id="new-key"')[0].rsplit('value="', 1)[1].split('"')[0]
    assert secret.startswith("plk_test_") and secret.startswith(key.prefix)
    assert secret not in logged_in.get("/developers/api-keys/").content.decode()
    logged_in.post(f"/developers/api-keys/{key.public_id}/revoke/")
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_a_delivery_whose_worker_died_mid_post_is_sent_when_its_lease_ends(
    receiver, merchant, run_tasks
):
    """A worker took the delivery (its lease) and died before recording anything; its
    task runs again (the queue's retry of a dead worker's task): the event still arrives."""
    from paylinks.webhooks.services import LEASE
    from paylinks.webhooks.tasks import deliver_webhook

    with transaction.atomic():
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        delivery = Delivery.objects.get()
        DBTaskResult.objects.all().delete()  # the task is in the dead worker's hands
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() + LEASE)
    deliver_webhook.enqueue(delivery_id=delivery.pk)  # run again
    run_tasks()
    assert receiver.requests == []  # the lease still holds it
    advance(run_tasks)
    assert [r["id"] for r in receiver.delivered()] == [link_events(merchant).get().public_id]
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempts == 1


# --- secret rotation -----------------------------------------------------------------------


def test_after_a_rotation_both_secrets_verify_until_the_old_one_expires(
    receiver, merchant, run_tasks
):
    from standardwebhooks import Webhook, WebhookVerificationError

    from paylinks.webhooks.services import endpoint_rotate_secret

    old = receiver.secret
    endpoint = endpoint_rotate_secret(endpoint=receiver.endpoint, grace=timedelta(hours=1))
    new = receiver.secret = endpoint.secret
    assert new != old and new.startswith("whsec_") and endpoint.previous_secret == old
    link_create(merchant=merchant, kind="multi", amount=100, description="During")
    run_tasks()
    (during,) = receiver.requests
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (new, old):  # a receiver still on the old secret, and one already switched
        assert Webhook(secret).verify(during["body"], during["headers"])["id"] == during["id"]

    type(endpoint).objects.filter(pk=endpoint.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    link_create(merchant=merchant, kind="multi", amount=100, description="After")
    run_tasks()
    after = receiver.requests[1]
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(after["body"], after["headers"])["id"] == after["id"]
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(after["body"], after["headers"])
    assert [r["status"] for r in receiver.requests] == [200, 200]


def test_rotation_without_grace_and_its_limits(merchant):
    from django.core.exceptions import ValidationError

    from paylinks.webhooks.services import endpoint_rotate_secret

    endpoint = endpoint_create(merchant=merchant, url="http://127.0.0.1:9/", enabled_events=["*"])
    first = endpoint.secret
    endpoint = endpoint_rotate_secret(endpoint=endpoint, grace=timedelta(hours=2))
    second = endpoint.secret
    # Rotating again during the grace period: only the secret just replaced keeps signing.
    endpoint = endpoint_rotate_secret(endpoint=endpoint, grace=timedelta(hours=2))
    assert endpoint.previous_secret == second != first
    endpoint = endpoint_rotate_secret(endpoint=endpoint, grace=timedelta(0))
    assert (endpoint.previous_secret, endpoint.previous_secret_expires_at) == ("", None)
    for grace in (timedelta(days=8), timedelta(seconds=-1)):
        with pytest.raises(ValidationError) as e:
            endpoint_rotate_secret(endpoint=endpoint, grace=grace)
        assert "expires_in" in e.value.message_dict


def test_dashboard_rotates_the_secret(logged_in, merchant):
    endpoint = endpoint_create(merchant=merchant, url="http://127.0.0.1:9/", enabled_events=["*"])
    old = endpoint.secret
    page = logged_in.get(f"/developers/webhooks/{endpoint.public_id}/").content.decode()
    assert f"/developers/webhooks/{endpoint.public_id}/rotate-secret/" in page
    response = logged_in.post(
        f"/developers/webhooks/{endpoint.public_id}/rotate-secret/", {"grace": "24"}, follow=True
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    left = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23) < left <= timedelta(hours=24)
    page = response.content.decode()
    assert endpoint.secret in page and "also signed with the old one" in page
    assert "The previous secret also signs every event until" in page
    other = make_merchant("other@shop.test").merchant
    theirs = endpoint_create(merchant=other, url="http://127.0.0.1:9/", enabled_events=["*"])
    response = logged_in.post(f"/developers/webhooks/{theirs.public_id}/rotate-secret/")
    assert response.status_code == 404


def test_a_delivery_connects_to_the_address_it_checked(merchant, run_tasks, monkeypatch):
    """The host is resolved once per attempt, at connection time, and the connection goes
    to an address that passed the check: a name answering a public address to the check
    and a private one to the connection (DNS rebinding) cannot reach the private one.
    (A spy on the real resolver counts the lookups.)"""
    import socket

    with receiving() as r:
        port = r.url.split(":")[2].split("/")[0]
        endpoint = endpoint_create(
            merchant=merchant, url=f"http://localhost:{port}/hooks", enabled_events=["*"]
        )
        r.secret = endpoint.secret
        lookups: list[str] = []
        real = socket.getaddrinfo

        def spy(host, *args, **kwargs):
            lookups.append(host)
            return real(host, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", spy)
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
        monkeypatch.undo()
    assert [p["type"] for p in r.delivered()] == ["payment_link.created"]
    assert lookups.count("localhost") == 1


def test_a_live_delivery_to_a_name_now_resolving_to_a_private_address_is_refused(
    merchant, run_tasks, settings
):
    from paylinks.webhooks.models import WebhookEndpoint
    from paylinks.webhooks.services import new_secret

    with receiving() as r:
        port = r.url.split(":")[2].split("/")[0]
        # Stored while it resolved elsewhere (or in sandbox mode); now it is loopback.
        WebhookEndpoint.objects.create(
            merchant=merchant,
            url=f"https://localhost:{port}/",
            secret=new_secret(),
            enabled_events=["*"],
        )
        settings.PROCESSOR = "stripe"
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
        assert r.requests == []
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and "private or local" in attempt.error


def test_the_disabled_email_is_sent_once_even_when_its_task_runs_again(
    receiver, merchant, run_tasks, mailoutbox
):
    receiver.fail_first, receiver.fail_status = 1, 410
    link_create(merchant=merchant, kind="multi", amount=100, description="L")
    run_tasks()
    (message,) = mailoutbox
    page = f"/developers/webhooks/{receiver.endpoint.public_id}/"
    assert receiver.url in message.subject and page in message.body and "410" in message.body
    # The queue hands the task out again (its worker died after the mail server took it).
    DBTaskResult.objects.filter(task_path__endswith="send_endpoint_disabled_email").update(
        status="READY"
    )
    run_tasks()
    assert len(mailoutbox) == 1


def _read_request(conn) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk


def test_a_malformed_answer_is_a_failed_attempt_retried_later(merchant, run_tasks):
    from webhook_receiver import raw_server

    def garbage(conn) -> None:
        _read_request(conn)
        conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")

    with raw_server(garbage) as url:
        endpoint_create(merchant=merchant, url=url, enabled_events=["*"])
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()  # the task does not fail (run_tasks checks)
    delivery = Delivery.objects.get()
    attempt = delivery.log.get()
    assert attempt.status_code is None and "BadStatusLine" in attempt.error
    assert delivery.status == "pending" and delivery.next_attempt_at > timezone.now()


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout(merchant, run_tasks, settings):
    """Each byte comes before the socket's timeout, but the whole answer never does: the
    attempt ends at WEBHOOK_TIMEOUT_SECONDS (the connection is closed by paylinks, long
    before the receiver would give up) and counts as a failure."""
    import threading
    import time

    from webhook_receiver import raw_server

    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    outcome = {}
    finished = threading.Event()

    def trickle(conn) -> None:
        _read_request(conn)
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Trickle: ")
            for _ in range(300):  # up to a minute: a hang guard, not a timing
                time.sleep(0.2)
                conn.sendall(b"x")
            outcome["closed_by"] = "receiver"
        except OSError:
            outcome["closed_by"] = "paylinks"
        finished.set()

    with raw_server(trickle) as url:
        endpoint_create(merchant=merchant, url=url, enabled_events=["*"])
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
        finished.wait(90)
    assert outcome == {"closed_by": "paylinks"}
    delivery = Delivery.objects.get()
    attempt = delivery.log.get()
    assert attempt.status_code is None and attempt.error == "No complete answer within 1 s."
    assert delivery.status == "pending"


def test_an_endpoint_stored_with_a_user_name_gets_an_error_that_says_so(merchant, run_tasks):
    """urllib takes "user:pass@host" for a host name: an endpoint stored before the check
    existed is told why no event arrives, not "Name or service not known"."""
    from paylinks.webhooks.models import WebhookEndpoint
    from paylinks.webhooks.services import new_secret

    with receiving() as r:
        WebhookEndpoint.objects.create(
            merchant=merchant,
            url=r.url.replace("http://", "http://user:pass@"),
            secret=new_secret(),
            enabled_events=["*"],
        )
        link_create(merchant=merchant, kind="multi", amount=100, description="L")
        run_tasks()
        assert r.requests == []
    attempt = DeliveryAttempt.objects.get()
    assert attempt.status_code is None and "user name or password" in attempt.error
