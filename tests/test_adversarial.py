"""What a hostile client, a careless merchant or a concurrent load found, kept fixed."""

import re

import pytest


def summary(html: str) -> str:
    match = re.search(r'(?s)aria-labelledby="pay-errors-title">(.*?)</div>', html)
    assert match, html[:500]
    return re.sub(r"\s+", " ", match.group(1))


@pytest.mark.parametrize(
    "extra",
    [
        {},  # no checkout at all (a bot, a page saved without it)
        {"checkout": "x" * 400},
        {"checkout": "x", "payment_token": "y" * 200},
    ],
)
@pytest.mark.parametrize(
    "language, expected, field_names",
    [
        ("en", "Your payment details could not be read. Enter them again.", ("Checkout", "token")),
        (
            "fr",
            "Vos renseignements de paiement n’ont pas pu être lus. Saisissez-les de nouveau.",
            ("Checkout", "token"),
        ),
    ],
)
def test_a_hidden_fields_error_is_one_plain_message_in_the_summary(
    client, multi_link, extra, language, expected, field_names
):
    # Before: "Checkout : Ce champ est obligatoire." (the field's name, untranslated, and a
    # link to a hidden input the customer cannot reach or fix).
    data = {"method": "card", "name": "Jane Payer", "email": "jane@example.com", **extra}
    r = client.post(multi_link.path, data, HTTP_ACCEPT_LANGUAGE=language)
    text = summary(r.content.decode())
    assert expected in text
    assert text.count(expected) == 1
    for name in field_names:
        assert name not in text
    assert 'href="#id_checkout"' not in text and 'href="#id_payment_token"' not in text


@pytest.mark.parametrize(
    "path, params",
    [
        ("/refund_receipts", {"payment": "pay_abc"}),  # a filter /refunds has, not this list
        ("/refund_receipts", {"status": "failed"}),
        ("/payouts", {"status": "paid"}),
        ("/payouts", {"payment": "pay_abc"}),
        ("/webhook_endpoints", {"outcome": "failed"}),
    ],
)
def test_a_filter_another_list_has_is_refused_not_ignored(client, merchant, path, params):
    # Before: any query parameter some operation declared passed everywhere, so
    # /refund_receipts?payment=pay_… answered 200 with every refund receipt, unfiltered.
    from api_client import Api

    r = Api(client, merchant).get(path, params)
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error["code"] == "parameter_unknown"
    assert next(iter(params)) in error["message"]


def test_a_refund_of_what_is_left_replayed_after_a_day_gives_the_same_refund(client, multi_link):
    # Without an amount the refund is "what is left": replayed once the API's own
    # idempotency record is gone (24 hours), what is left is now 0, so the amount was
    # taken as the whole payment's and the same key answered 400 idempotency_key_reused.
    from api_client import Api
    from pay import pay_card
    from paylinks.api.models import IdempotencyKey
    from paylinks.checkout.models import Payment
    from paylinks.receipts.models import Refund

    api = Api(client, multi_link.merchant)
    payment = Payment.objects.get(attempt=pay_card(multi_link))
    path = f"/payments/{payment.public_id}/refunds"
    assert api.post(path, {"amount": 300}).status_code == 200
    first = api.post(path, {}, **{"Idempotency-Key": "rest-1"})
    assert first.status_code == 200 and first.json()["amount"] == 950
    IdempotencyKey.objects.all().delete()  # a day later
    again = api.post(path, {}, **{"Idempotency-Key": "rest-1"})
    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert Refund.objects.count() == 2
