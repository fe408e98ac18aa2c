"""/api/v1/webhook_endpoints and /api/v1/events."""

import pytest
from django.test import Client

from api_client import Api
from conftest import make_merchant
from paylinks.webhooks.models import WebhookEndpoint
from webhook_receiver import receiving

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, merchant) -> Api:
    return Api(client, merchant)


def test_endpoint_crud(api):
    created = api.post(
        "/webhook_endpoints",
        {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["payment.succeeded"]},
    )
    assert created.status_code == 200, created.content
    body = created.json()
    assert body["object"] == "webhook_endpoint" and body["secret"].startswith("whsec_")
    path = f"/webhook_endpoints/{body['id']}"
    assert api.get(path).json()["secret"] is None
    updated = api.post(path, {"enabled_events": ["*"], "active": False}).json()
    assert (updated["enabled_events"], updated["active"]) == (["*"], False)
    assert [e["id"] for e in api.get("/webhook_endpoints").json()["data"]] == [body["id"]]
    deleted = api.delete(path)
    assert deleted.json() == {"id": body["id"], "object": "webhook_endpoint", "deleted": True}
    assert api.get(path).status_code == 404


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"url": "ftp://x/", "enabled_events": ["*"]}, "url"),
        ({"url": "http://10.0.0.1/", "enabled_events": ["*"]}, "url"),
        ({"url": "http://127.0.0.1/", "enabled_events": ["nope"]}, "enabled_events.0"),
        ({"url": "http://127.0.0.1/", "enabled_events": []}, "enabled_events"),
        ({"url": "http://127.0.0.1/"}, "enabled_events"),
    ],
)
def test_endpoint_bad_input(api, body, param):
    response = api.post("/webhook_endpoints", body)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param
    assert not WebhookEndpoint.objects.exists()


def test_live_mode_wants_https_and_public_addresses(api, settings):
    settings.PROCESSOR = "stripe"
    response = api.post(
        "/webhook_endpoints", {"url": "http://127.0.0.1:9/", "enabled_events": ["*"]}
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "url"


def test_integrator_creates_a_link_watches_it_paid_and_lists_the_receipt(api, run_tasks):
    """The issue's "done when", through the API and a verifying receiver."""
    from pay import pay_card
    from paylinks.links.models import PaymentLink

    with receiving() as receiver:
        endpoint = api.post(
            "/webhook_endpoints", {"url": receiver.url, "enabled_events": ["*"]}
        ).json()
        receiver.secret = endpoint["secret"]
        link = api.post(
            "/payment_links", {"type": "single", "amount": 4500, "description": "Cake"}
        ).json()
        pay_card(PaymentLink.objects.get(public_id=link["id"]))
        run_tasks()
        types = [p["type"] for p in receiver.delivered()]
        assert "payment_link.paid" in types and "payment.succeeded" in types
        # The receiver checked each with standardwebhooks.Webhook(endpoint secret).verify().
        assert receiver.requests and all(r["verified"] for r in receiver.requests)
    receipt = api.get("/sales_receipts").json()["data"][0]
    assert (receipt["payment_link"], receipt["amount"]) == (link["id"], 4500)
    events = api.get("/events").json()["data"]
    assert {e["type"] for e in events} >= set(types)
    event = events[0]
    assert api.get(f"/events/{event['id']}").json() == event
    paid = api.get("/events", {"type": "payment_link.paid"}).json()["data"]
    assert [e["data"]["object"]["id"] for e in paid] == [link["id"]]


def test_other_merchants_endpoints_and_events_are_404(api, merchant, multi_link):
    endpoint = api.post(
        "/webhook_endpoints", {"url": "http://127.0.0.1:9/", "enabled_events": ["*"]}
    ).json()
    event_id = api.get("/events").json()["data"][0]["id"]
    other = Api(Client(), make_merchant("other@shop.test").merchant)
    assert other.get(f"/webhook_endpoints/{endpoint['id']}").status_code == 404
    assert other.post(f"/webhook_endpoints/{endpoint['id']}", {"active": False}).status_code == 404
    assert other.delete(f"/webhook_endpoints/{endpoint['id']}").status_code == 404
    assert other.get(f"/events/{event_id}").status_code == 404
    assert event_id not in {e["id"] for e in other.get("/events").json()["data"]}
    assert WebhookEndpoint.objects.get().is_active


def test_rotate_secret(api):
    from datetime import timedelta

    from django.utils import timezone

    created = api.post(
        "/webhook_endpoints", {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}
    ).json()
    path = f"/webhook_endpoints/{created['id']}"
    assert created["previous_secret_expires"] is None
    rotated = api.post(f"{path}/rotate_secret")  # no body: the old secret works 24 hours
    assert rotated.status_code == 200, rotated.content
    body = rotated.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    expires = body["previous_secret_expires"] - int(timezone.now().timestamp())
    assert 24 * 3600 - 60 <= expires <= 24 * 3600
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.secret, endpoint.previous_secret) == (body["secret"], created["secret"])
    shown = api.get(path).json()
    assert shown["secret"] is None
    assert shown["previous_secret_expires"] == body["previous_secret_expires"]
    hour = api.post(f"{path}/rotate_secret", {"expires_in": 3600}).json()
    assert (
        timezone.now() + timedelta(minutes=59)
        < WebhookEndpoint.objects.get().previous_secret_expires_at
    )
    assert hour["previous_secret_expires"] <= int(timezone.now().timestamp()) + 3600
    now = api.post(f"{path}/rotate_secret", {"expires_in": 0}).json()
    assert now["previous_secret_expires"] is None
    assert WebhookEndpoint.objects.get().previous_secret == ""
    for bad in ({"expires_in": 8 * 24 * 3600}, {"expires_in": -1}, {"expires_in": "1"}):
        response = api.post(f"{path}/rotate_secret", bad)
        assert response.status_code == 400 and response.json()["error"]["param"] == "expires_in"
    assert WebhookEndpoint.objects.get().secret == now["secret"]


def test_rotate_secret_of_another_merchant_is_404(api):
    created = api.post(
        "/webhook_endpoints", {"url": "http://127.0.0.1:9/hooks", "enabled_events": ["*"]}
    ).json()
    other = Api(Client(), make_merchant("other@shop.test").merchant)
    response = other.post(f"/webhook_endpoints/{created['id']}/rotate_secret")
    assert response.status_code == 404
    assert WebhookEndpoint.objects.get().secret == created["secret"]


def test_every_recorded_event_type_can_be_subscribed_to(api):
    from paylinks.webhooks.services import EVENT_TYPES

    response = api.post(
        "/webhook_endpoints",
        {"url": "http://127.0.0.1:9/hooks", "enabled_events": list(EVENT_TYPES)},
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["enabled_events"]) == sorted(EVENT_TYPES)
