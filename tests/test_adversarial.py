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
