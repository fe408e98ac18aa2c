"""A customer pays through Stripe.js (localstripe's, on loopback) in Chromium: the card goes
to Stripe only, never to paylinks; a decline is worded in French; a 3-D Secure card is
completed after the bank's dialog."""

import re

import pytest
from playwright.sync_api import expect

from conftest import make_merchant
from e2e.conftest import shot
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.services import link_create
from paylinks.receipts.models import SalesReceipt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CARD_DIGITS = ("4242424242424242", "4000000000000341", "4000002500003155")


def watch(page, base: str) -> list[str]:
    """Every request the browser sends to paylinks: URL and body."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: seen.append(f"{r.url} {r.post_data or ''}") if r.url.startswith(base) else None,
    )
    return seen


def fill_and_pay(page, number: str, name: str, fr: bool = False) -> None:
    page.get_by_label("Nom complet" if fr else "Full name").fill(name)
    page.get_by_label("Courriel" if fr else "Email").fill("payer@example.com")
    card = page.locator("#card-element")
    card.get_by_placeholder("number").fill(number)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("31")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("H2X1Y4")
    page.get_by_role("button", name=re.compile("^(Payer|Pay) ")).click()


def test_paying_through_stripe_js(live_server, new_context, stripe_settings, localstripe):
    stripe_settings.BASE_URL = live_server.url
    merchant = make_merchant(email="stripe-e2e@example.com").merchant
    link = link_create(merchant=merchant, kind="multi", amount=4250, description="Workshop")
    url = live_server.url + link.path

    page = new_context("en-CA", viewport={"width": 390, "height": 844}).new_page()
    seen = watch(page, live_server.url)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    expect(page.get_by_role("heading", name="$42.50")).to_be_visible()
    expect(page.get_by_text("takes cards only")).to_have_count(0)
    shot(page, "stripe-hosted-en-phone")
    fill_and_pay(page, "4242424242424242", "Stripe Payer")
    expect(page.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    expect(page.get_by_text("Visa •••• 4242")).to_be_visible()
    shot(page, "stripe-receipt-en")
    assert SalesReceipt.objects.get().amount == 4250

    # French: a declined card is told in French, and nothing is booked.
    fr = new_context("fr-CA").new_page()
    seen += watch(fr, live_server.url)
    fr.goto(url)
    fill_and_pay(fr, "4000000000000341", "Denis Refusé", fr=True)
    expect(fr.get_by_text("La carte a été refusée par la banque.")).to_be_visible()
    expect(fr.get_by_label("Nom complet")).to_have_value("Denis Refusé")
    shot(fr, "stripe-declined-fr")
    assert Payment.objects.count() == 1

    # 3-D Secure: the bank's dialog (localstripe's) is completed, then Stripe's record says
    # the payment succeeded.
    three = new_context("en-CA").new_page()
    seen += watch(three, live_server.url)
    three.goto(url)
    fill_and_pay(three, "4000002500003155", "Secure Sam")
    three.get_by_role("button", name="Complete authentication").click()
    expect(three.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    assert Payment.objects.count() == 2
    assert Attempt.objects.filter(outcome="failed", failure_code="card_declined").count() == 1

    # The card numbers went to Stripe only: no request to paylinks carried one.
    assert seen and not [s for s in seen if any(d in s.replace("+", "") for d in CARD_DIGITS)]
    assert not [s for s in seen if re.search(r"4242\D{0,3}4242", s)]
    assert not [e for e in errors if "Content Security Policy" in e], errors
