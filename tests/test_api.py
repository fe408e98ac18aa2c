"""/api/v1: API keys, errors, payment links, payments, sales receipts."""

import datetime

import pytest

from api_client import Api
from conftest import make_merchant
from pay import pay_card
from paylinks.api.models import ApiKey
from paylinks.api.services import apikey_create, apikey_revoke
from paylinks.links.models import PaymentLink
from paylinks.links.services import link_create
from paylinks.merchants.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_LINK = {"type": "single", "amount": 2599, "description": "Special order"}


@pytest.fixture
def api(client, merchant) -> Api:
    return Api(client, merchant)


def error_of(response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"type", "code", "message", "param"}, body
    return body["error"]


# --- keys and auth -------------------------------------------------------------------------


def test_key_is_prefixed_for_its_mode_and_stored_hashed(merchant, settings):
    key, secret = apikey_create(merchant=merchant, name="shop")
    assert secret.startswith("plk_test_") and not key.livemode
    assert secret not in {key.digest, key.prefix} and secret.startswith(key.prefix)
    assert not ApiKey.objects.filter(digest__contains=secret[9:]).exists()
    settings.PROCESSOR = "stripe"
    key, secret = apikey_create(merchant=merchant)
    assert secret.startswith("plk_live_") and key.livemode


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic abc", "Bearer plk_test_short", "Bearer nonsense-key"],
)
def test_missing_or_malformed_key_is_401(client, merchant, header):
    api = Api(client)
    headers = {} if header is None else {"Authorization": header}
    response = api.get("/payment_links", **headers)
    assert response.status_code == 401
    assert error_of(response)["type"] == "authentication_error"
    assert response.status_code == api.post("/payment_links", NEW_LINK, **headers).status_code


def test_revoked_key_is_401_and_use_is_recorded(client, merchant):
    key, secret = apikey_create(merchant=merchant)
    api = Api(client, secret=secret)
    assert api.get("/payment_links").status_code == 200
    key.refresh_from_db()
    assert key.last_used_at is not None
    apikey_revoke(key=key)
    response = api.get("/payment_links")
    assert response.status_code == 401
    assert error_of(response)["code"] == "api_key_invalid"


def test_another_merchants_objects_are_404(client, merchant, multi_link):
    pay_card(multi_link)
    other = Api(client, make_merchant("other@shop.test", "Other shop").merchant)
    payment = multi_link.payments.get()
    for path in (
        f"/payment_links/{multi_link.public_id}",
        f"/payment_links/{multi_link.public_id}/attempts",
        f"/payments/{payment.public_id}",
        f"/sales_receipts/{payment.receipt.public_id}",
    ):
        response = other.get(path)
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "resource_missing"
    for action in ("", "/deactivate", "/activate", "/remind"):
        response = other.post(f"/payment_links/{multi_link.public_id}{action}", {})
        assert response.status_code == 404, action
    assert other.get("/payment_links").json()["data"] == []
    assert other.get("/payments").json()["data"] == []
    assert other.get("/sales_receipts").json()["data"] == []
    assert other.get("/payments", {"payment_link": multi_link.public_id}).status_code == 404
    multi_link.refresh_from_db()
    assert multi_link.is_active


def test_cli_creates_a_key_printed_alone_on_the_last_line(merchant, user, capsys, client):
    from paylinks.cli import main

    assert main(["apikey", "create", "--email", user.email.upper(), "--name", "till"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("plk_test_")
    assert Api(client, secret=secret).get("/payment_links").status_code == 200
    assert ApiKey.objects.get(merchant=merchant).name == "till"
    assert main(["apikey", "create", "--email", "nobody@nowhere.test"]) == 2


# --- payment links -------------------------------------------------------------------------


def test_create_retrieve_and_list_a_link(api, merchant):
    response = api.post("/payment_links", NEW_LINK | {"customer_email": "c@example.com"})
    assert response.status_code == 200, response.content
    link = response.json()
    assert link["object"] == "payment_link" and link["id"].startswith("plink_")
    assert (link["amount"], link["currency"], link["type"]) == (2599, "CAD", "single")
    assert link["status"] == "active" and link["url"].endswith(
        PaymentLink.objects.get(public_id=link["id"]).path
    )
    assert api.get(f"/payment_links/{link['id']}").json() == link
    listed = api.get("/payment_links").json()
    assert listed["object"] == "list" and listed["has_more"] is False
    assert [x["id"] for x in listed["data"]] == [link["id"]]
    event = AuditEvent.objects.filter(action="link_created").first()
    assert event is not None and event.actor.startswith("API key plk_test_")


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        (NEW_LINK | {"amount": "12.50"}, "amount", "parameter_invalid"),
        (NEW_LINK | {"amount": 12.5}, "amount", "parameter_invalid"),
        (NEW_LINK | {"amount": 0}, "amount", "parameter_invalid"),
        (NEW_LINK | {"amount": -5}, "amount", "parameter_invalid"),
        (NEW_LINK | {"amount": 10**30}, "amount", "parameter_invalid"),
        (NEW_LINK | {"amount": True}, "amount", "parameter_invalid"),
        (NEW_LINK | {"type": "weekly"}, "type", "parameter_invalid"),
        (NEW_LINK | {"currency": "XYZ"}, "currency", "parameter_unknown"),
        (NEW_LINK | {"colour": "red"}, "colour", "parameter_unknown"),
        (NEW_LINK | {"description": "x" * 501}, "description", "parameter_invalid"),
        (NEW_LINK | {"description": "  "}, "description", "parameter_invalid"),
        (NEW_LINK | {"description": "a\x00b"}, "description", "parameter_invalid"),
        (NEW_LINK | {"customer_email": "not an email"}, "customer_email", "parameter_invalid"),
        (NEW_LINK | {"customer_phone": "12"}, "customer_phone", "parameter_invalid"),
        (NEW_LINK | {"expires_on": "2001-01-01"}, "expires_on", "parameter_invalid"),
        (NEW_LINK | {"expires_on": "tomorrow"}, "expires_on", "parameter_invalid"),
        (NEW_LINK | {"max_payments": 3}, "max_payments", "parameter_invalid"),
        (NEW_LINK | {"type": "multi", "max_payments": 2**40}, "max_payments", "parameter_invalid"),
        (NEW_LINK | {"allow_card": False}, "allow_card", "parameter_invalid"),
        ({"amount": 100}, "type", "parameter_missing"),
        ([1, 2], None, "parameter_invalid"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api, body, param, code):
    response = api.post("/payment_links", body)
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["type"] == "invalid_request_error"
    assert error["param"] == param, error
    assert error["code"] == code, error
    assert PaymentLink.objects.count() == 0


def test_unparseable_body_and_bad_query_are_400(api):
    response = api.post("/payment_links", raw=b"{not json")
    assert response.status_code == 400
    error_of(response)
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"status": "gone"}):
        response = api.get("/payment_links", params)
        assert response.status_code == 400, params
        assert error_of(response)["param"] == next(iter(params))
    response = api.get("/payment_links", {"starting_after": "plink_a", "ending_before": "plink_b"})
    assert response.status_code == 400


def test_unapproved_merchant_cannot_create(client):
    api = Api(client, make_merchant("new@shop.test", approved=False).merchant)
    response = api.post("/payment_links", NEW_LINK)
    assert response.status_code == 400
    assert error_of(response)["param"] is None


def test_update_while_unused_then_409_link_used(api, multi_link):
    path = f"/payment_links/{multi_link.public_id}"
    response = api.post(path, {"amount": 1500, "description": "Box of 8"})
    assert response.status_code == 200, response.content
    assert (response.json()["amount"], response.json()["description"]) == (1500, "Box of 8")
    assert api.post(path, {"max_payments": 5}).json()["max_payments"] == 5
    assert api.post(path, {"max_payments": None}).json()["max_payments"] is None
    assert api.post(path, {"kind": "single"}).status_code == 400
    multi_link.refresh_from_db()  # the customer's page shows the new amount
    pay_card(multi_link)
    response = api.post(path, {"amount": 1})
    assert response.status_code == 409
    assert error_of(response)["code"] == "link_used"
    multi_link.refresh_from_db()
    assert multi_link.amount == 1500


def test_deactivate_and_activate(api, multi_link):
    path = f"/payment_links/{multi_link.public_id}"
    body = api.post(path + "/deactivate").json()
    assert (body["status"], body["active"]) == ("deactivated", False)
    body = api.post(path + "/activate").json()
    assert (body["status"], body["active"]) == ("active", True)


def test_remind(api, single_link, multi_link, run_tasks, mailoutbox):
    response = api.post(f"/payment_links/{single_link.public_id}/remind")
    assert response.status_code == 200
    run_tasks()
    assert [m.to for m in mailoutbox] == [["camille@example.com"]]
    response = api.post(f"/payment_links/{multi_link.public_id}/remind")
    assert response.status_code == 400
    assert error_of(response)["code"] in ("request_invalid", "parameter_invalid")


def test_send_by_email_and_text_with_consent(api, single_link, run_tasks, mailoutbox):
    path = f"/payment_links/{single_link.public_id}/send"
    response = api.post(path, {"channel": "email"})
    assert response.status_code == 200
    run_tasks()
    assert [m.to for m in mailoutbox] == [["camille@example.com"]]
    # No recorded consent: no text message, an error naming the field.
    response = api.post(path, {"channel": "sms", "to": "+15145550123"})
    assert response.status_code == 400
    assert error_of(response)["param"] in ("to", "channel")
    response = api.post(path, {"channel": "pigeon"})
    assert response.status_code == 400 and error_of(response)["param"] == "body.channel"


def test_list_filters(api, merchant, multi_link, single_link):
    from paylinks.links.services import link_deactivate

    link_deactivate(link=multi_link)
    ids = lambda params: [x["id"] for x in api.get("/payment_links", params).json()["data"]]  # noqa: E731
    assert ids({"type": "multi"}) == [multi_link.public_id]
    assert ids({"status": "deactivated"}) == [multi_link.public_id]
    assert ids({"status": "active"}) == [single_link.public_id]
    PaymentLink.objects.filter(pk=multi_link.pk).update(
        created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    )
    assert ids({"created_lt": "2026-01-02T00:00:00Z"}) == [multi_link.public_id]
    assert ids({"created_gte": "2026-01-02"}) == [single_link.public_id]
    assert ids({"created_gte": 1767225600 + 86400}) == [single_link.public_id]


def test_pagination_walks_every_link_once_both_ways(api, merchant):
    made = [
        link_create(merchant=merchant, kind="multi", amount=100 + i, description=f"L{i}")
        for i in range(7)
    ]
    # Same created_at for some: the id breaks ties.
    PaymentLink.objects.filter(pk__in=[made[2].pk, made[3].pk, made[4].pk]).update(
        created_at=made[3].created_at
    )
    newest_first = [x["id"] for x in api.get("/payment_links", {"limit": 100}).json()["data"]]
    assert sorted(newest_first) == sorted(link.public_id for link in made)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3} | ({"starting_after": cursor} if cursor else {})
        body = api.get("/payment_links", params).json()
        seen += [x["id"] for x in body["data"]]
        pages += 1
        if not body["has_more"]:
            break
        cursor = body["data"][-1]["id"]
    assert seen == newest_first and pages == 3
    back, cursor = [], newest_first[-1]
    while True:
        body = api.get("/payment_links", {"limit": 2, "ending_before": cursor}).json()
        back = [x["id"] for x in body["data"]] + back
        if not body["has_more"]:
            break
        cursor = body["data"][0]["id"]
    assert back == newest_first[:-1]
    last = api.get("/payment_links", {"starting_after": newest_first[-1]}).json()
    assert last == {"object": "list", "url": "/api/v1/payment_links", "has_more": False, "data": []}
    assert api.get("/payment_links", {"starting_after": "plink_zzzz"}).status_code == 404


def test_attempts_and_issues_of_a_link(api, multi_link):
    pay_card(multi_link, number="4000000000000002")
    pay_card(multi_link)
    path = f"/payment_links/{multi_link.public_id}/attempts"
    outcomes = [x["outcome"] for x in api.get(path).json()["data"]]
    assert outcomes == ["succeeded", "failed"]
    issues = api.get(path, {"outcome": "failed"}).json()["data"]
    assert len(issues) == 1 and issues[0]["failure_message"]


# --- payments and receipts -----------------------------------------------------------------


def test_payments_and_receipts(api, multi_link, single_link):
    pay_card(multi_link)
    pay_card(single_link)
    payments = api.get("/payments").json()["data"]
    assert [p["payment_link"] for p in payments] == [single_link.public_id, multi_link.public_id]
    first = payments[1]
    assert first["object"] == "payment" and first["id"].startswith("pay_")
    assert (first["amount"], first["currency"], first["status"]) == (1250, "CAD", "succeeded")
    assert first["card_last4"] == "4242"
    assert api.get(f"/payments/{first['id']}").json() == first
    only = api.get("/payments", {"payment_link": multi_link.public_id}).json()["data"]
    assert [p["id"] for p in only] == [first["id"]]
    assert api.get("/payments", {"status": "failed"}).json()["data"] == []
    receipts = api.get("/sales_receipts").json()["data"]
    assert [r["number"] for r in receipts] == [2, 1]
    receipt = receipts[1]
    assert receipt["object"] == "sales_receipt" and receipt["payment"] == first["id"]
    assert first["sales_receipt"] == receipt["id"]
    assert api.get(f"/sales_receipts/{receipt['id']}").json() == receipt
    assert api.get("/sales_receipts/rcpt_nope").status_code == 404
    assert api.get("/payments/pay_nope").status_code == 404


def test_created_filters_take_any_offset_and_range(api):
    for value in ("1638-04-06T08:06:52+18:34", "0001-01-01T00:00:00-12:00", "9999-12-31T23:59"):
        assert api.get("/payment_links", {"created_gte": value}).status_code == 200, value
    for value in ("0001-01-01T00:00:00+12:00", "0.5", "-1", "soon"):
        response = api.get("/payment_links", {"created_lt": value})
        assert response.status_code == 400, value
        assert error_of(response)["param"] == "created_lt"


def test_unknown_query_parameters_are_400(api):
    response = api.get("/payment_links", {"colour": "red"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "parameter_unknown"
    assert api.get("/payment_links", {"limit": 1, "type": "multi"}).status_code == 200


def test_the_openapi_document_names_each_list_after_its_objects(api):
    document = api.get("/openapi.json").json()
    names = set(document["components"]["schemas"])
    assert not [n for n in names if n.startswith("ListOf")], names
    listed = {
        "/api/v1/payment_links": "PaymentLinkList",
        "/api/v1/refunds": "RefundList",
        "/api/v1/refund_receipts": "RefundReceiptList",
        "/api/v1/payouts": "PayoutList",
    }
    for path, name in listed.items():
        ok = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        assert ok["schema"]["$ref"] == f"#/components/schemas/{name}", path
