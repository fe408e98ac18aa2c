"""Whatever arrives on /api/v1, the answer is the API's error shape, never a 500."""

import pytest

from api_client import Api
from paylinks.links.models import PaymentLink
from paylinks.webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

NEW_LINK = {"type": "multi", "amount": 1000, "description": "Tickets"}


@pytest.fixture
def api(client, merchant) -> Api:
    return Api(client, merchant)


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()["error"]


@pytest.mark.parametrize(
    "url", ["http://[::1:9/hooks", "http://127.0.0.1:99999/hooks", "http://127.0.0.1:-1/"]
)
def test_a_malformed_webhook_url_is_a_400_on_url(api, logged_in, url):
    error = error_of(api.post("/webhook_endpoints", {"url": url, "enabled_events": ["*"]}), 400)
    assert (error["code"], error["param"]) == ("parameter_invalid", "url")
    page = logged_in.post("/developers/webhooks/", {"url": url, "enabled_events": ["*"]})
    assert page.status_code == 200 and "Enter a valid URL." in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("idempotency_key", [None, "deep"])
def test_json_nested_too_deep_is_a_400(api, idempotency_key):
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    response = api.post("/payment_links", raw=b"[" * 100_000 + b"]" * 100_000, **headers)
    assert error_of(response, 400)["code"] == "request_invalid"
    assert not PaymentLink.objects.exists()


@pytest.mark.parametrize("idempotency_key", [None, "big"])
def test_a_body_too_large_is_a_413(api, settings, idempotency_key):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    body = NEW_LINK | {"description": "x" * 20_000}
    error = error_of(api.post("/payment_links", body, **headers), 413)
    assert (error["type"], error["code"]) == ("invalid_request_error", "request_too_large")
    assert not PaymentLink.objects.exists()


def test_unknown_urls_and_methods_answer_in_the_error_shape(api):
    error = error_of(api.get("/no_such_thing"), 404)
    assert (error["type"], error["code"]) == ("invalid_request_error", "resource_missing")
    response = api.delete("/payment_links")
    error = error_of(response, 405)
    assert error["code"] == "method_not_allowed" and "POST" in response["Allow"]
    # The documents keep their own types.
    assert api.get("/openapi.json")["Content-Type"] == "application/json"
    assert api.get("/docs")["Content-Type"].startswith("text/html")
