"""Helpers to pay links as the hosted page does: details handed to the sandbox's
tokenising endpoint, the token and the page's checkout to paylinks."""

import json
import re

from paylinks.checkout.models import Attempt
from paylinks.checkout.services import Delivery, link_pay
from paylinks.checkout.tokens import Checkout, new_nonce
from paylinks.links.models import PaymentLink
from paylinks.processors import sandbox

GOOD_CARD = "4242424242424242"


def good_card(i: int) -> str:
    """A different card that succeeds for each i (Luhn-valid), as many customers' would be."""
    base = f"4111{i:011d}"
    return next(base + d for d in "0123456789" if sandbox.luhn_valid(base + d))


def checkout_for(link: PaymentLink) -> Checkout:
    """A page load of the hosted page: what it showed, under a new checkout."""
    return Checkout(nonce=new_nonce(), amount=link.amount, currency=link.currency)


def card_token(number: str = GOOD_CARD, cvc: str = "123", exp_year: int = 2031) -> str:
    return sandbox.tokenize_card(number=number, exp_month=12, exp_year=exp_year, cvc=cvc).token


def bank_token(account: str = "123456789") -> str:
    return sandbox.tokenize_bank_account(institution="001", transit="00011", account=account).token


def pay_card(link: PaymentLink, number: str = GOOD_CARD, name: str = "Jane Payer", **kw) -> Attempt:
    return link_pay(
        link=link,
        checkout=kw.pop("checkout", None) or checkout_for(link),
        method="card",
        payer_name=name,
        payer_email=kw.pop("email", "jane@example.com"),
        payer_language=kw.pop("language", "en"),
        payment_token=card_token(number, **kw),
        delivery=Delivery("1 Main St", "Montréal", "QC", "H2X 1Y4", "CA")
        if link.collect_delivery
        else None,
    )


def pay_bank(link: PaymentLink, account: str = "123456789", name: str = "Bob Transfer") -> Attempt:
    return link_pay(
        link=link,
        checkout=checkout_for(link),
        method="bank_transfer",
        payer_name=name,
        payer_email="bob@example.com",
        payer_language="en",
        payment_token=bank_token(account),
        delivery=Delivery("1 Main St", "Montréal", "QC", "H2X 1Y4", "CA")
        if link.collect_delivery
        else None,
    )


def stuck_attempt(link, **fields) -> Attempt:
    """An attempt written, then the process died before the processor was called."""
    return Attempt.objects.create(
        link=link,
        merchant=link.merchant,
        method="card",
        payer_name="A",
        payer_email="a@b.c",
        amount=link.amount,
        currency=link.currency,
        processor="sandbox",
        **fields,
    )


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} on the page"
    return match.group(1)


def post_pay(client, link, number: str = GOOD_CARD, fields=None, extra=None, page=None, **kw):
    """What a browser does on the hosted page with the Django test client: load the page,
    hand the card to the sandbox's endpoint, post the token. Returns the POST's response."""
    extra = extra or {}
    if page is None:
        page = client.get(link.path, **extra).content.decode()
    data = {"name": "Tester", "email": "t@example.com", "method": "card"}
    data |= fields or {}
    if data["method"] == "card":
        details = {"type": "card", "number": number, "exp": kw.get("exp", "12/31"), "cvc": "123"}
    else:
        details = {"type": "bank_account", "institution": "001", "transit": "00011"}
        details["account"] = kw.get("account", "123456789")
    r = client.post("/sandbox/v1/tokens", json.dumps(details), content_type="application/json")
    data.setdefault("payment_token", r.json().get("id", ""))
    data.setdefault("checkout", hidden(page, "checkout"))
    return client.post(link.path, data, **extra)
