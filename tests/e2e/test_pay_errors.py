"""The hosted page's errors on a 390 px phone, in French and English: a summary at the top
that takes the focus and links to each field; each field marked and described by its own
message; nothing typed lost but the card number and CVC."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import shot
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TEXT = {
    "en": {
        "name": "Full name",
        "email": "Email",
        "number": "Card number",
        "exp": "Expiry (MM/YY)",
        "cvc": "Security code (CVC)",
        "summary": "There is a problem",
        "bad_exp": "Enter the expiry as MM/YY.",
        "expired": "The card has expired.",
        "thanks": "Thank you! Your payment was received.",
        "institution": "The institution number has 3 digits.",
        "transit": "The transit number has 5 digits.",
        "account": "The account number has 7 to 12 digits.",
    },
    "fr": {
        "name": "Nom complet",
        "email": "Courriel",
        "number": "Numéro de carte",
        "exp": "Expiration (MM/AA)",
        "cvc": "Code de sécurité (CVC)",
        "summary": "Il y a un problème",
        "bad_exp": "Saisissez l’expiration au format MM/AA.",
        "expired": "La carte est expirée.",
        "thanks": "Merci\u00a0! Votre paiement a été reçu.",
        "institution": "Le numéro d’institution compte 3 chiffres.",
        "transit": "Le numéro de transit compte 5 chiffres.",
        "account": "Le numéro de compte compte de 7 à 12 chiffres.",
    },
}


def focused_id(page) -> str:
    return page.evaluate("() => document.activeElement && document.activeElement.id")


def assert_described(page, input_id: str, message: str) -> None:
    """The input is marked invalid and its aria-describedby names an element that exists
    and holds the message."""
    field = page.locator(f"#{input_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    ids = (field.get_attribute("aria-describedby") or "").split()
    texts = [
        page.locator(f"#{i}").text_content() or "" for i in ids if page.locator(f"#{i}").count()
    ]
    assert len(texts) == len(ids), f"aria-describedby of {input_id} names missing ids: {ids}"
    assert any(message in t for t in texts), (input_id, texts)


def live_regions(page) -> int:
    return page.locator("[role=alert], [role=status], [aria-live]").count()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_mistyped_expiry_fixed_without_retyping(
    live_server, new_context, multi_link, language, settings
):
    t = TEXT[language]
    page = new_context(f"{language}-CA", viewport=PHONE).new_page()
    page.goto(live_server.url + multi_link.path)
    page.get_by_label(t["name"]).fill("Jeanne Payeuse")
    page.get_by_label(t["email"]).fill("jeanne@example.com")
    page.get_by_label(t["number"]).fill("4242 4242 4242 4242")
    page.get_by_label(t["exp"]).fill("13/31")  # no 13th month
    page.get_by_label(t["cvc"]).fill("123")
    page.locator(".pay-button").click()

    summary = page.locator("#pay-errors")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("heading", name=t["summary"])).to_be_visible()
    assert focused_id(page) == "pay-errors"
    top = page.evaluate("() => document.getElementById('pay-errors').getBoundingClientRect().top")
    assert -1 < top < PHONE["height"] / 2  # in sight, near the top of the screen
    assert live_regions(page) == 1  # the summary only
    assert_described(page, "card-exp", t["bad_exp"])
    shot(page, f"pay-error-{language}-phone")
    summary.locator("a", has_text=t["exp"]).click()
    assert focused_id(page) == "card-exp"

    page.get_by_label(t["exp"]).fill("12/31")
    page.locator(".pay-button").click()
    expect(page.get_by_text(t["thanks"])).to_be_visible()
    payment = Payment.objects.get(link=multi_link)
    assert (payment.payer_name, payment.payer_email) == ("Jeanne Payeuse", "jeanne@example.com")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_servers_errors_keep_everything_but_the_card(
    live_server, new_context, merchant, language, settings
):
    """A card past its expiry reaches the processor (as a real card would), which declines
    it: the page comes back with the summary focused and linked to the expiry, name,
    email, delivery address and expiry kept; card number and CVC to type again."""
    t = TEXT[language]
    link = link_create(
        merchant=merchant,
        kind="multi",
        amount=2000,
        description="Pain",
        collect_delivery=True,
    )
    page = new_context(f"{language}-CA", viewport=PHONE).new_page()
    page.goto(live_server.url + link.path)
    page.get_by_label(t["name"]).fill("Jeanne Payeuse")
    page.get_by_label(t["email"]).fill("jeanne@example.com")
    page.locator("#id_delivery_line1").fill("1 rue Principale")
    page.locator("#id_delivery_city").fill("Montréal")
    page.locator("#id_delivery_postal_code").fill("H2X 1Y4")
    page.get_by_label(t["number"]).fill("4000 0000 0000 0069")  # the processor: expired_card
    page.get_by_label(t["exp"]).fill("12/31")
    page.get_by_label(t["cvc"]).fill("123")
    page.locator(".pay-button").click()

    summary = page.locator("#pay-errors")
    expect(summary.get_by_role("link", name=t["expired"])).to_be_visible()
    expect(page.locator("#pay-errors")).to_be_focused()
    assert live_regions(page) == 1
    assert_described(page, "card-exp", t["expired"])
    expect(page.get_by_label(t["name"])).to_have_value("Jeanne Payeuse")
    expect(page.get_by_label(t["email"])).to_have_value("jeanne@example.com")
    expect(page.locator("#id_delivery_city")).to_have_value("Montréal")
    expect(page.get_by_label(t["exp"])).to_have_value("12/31")
    expect(page.get_by_label(t["number"])).to_have_value("")
    expect(page.get_by_label(t["cvc"])).to_have_value("")
    shot(page, f"pay-declined-{language}-phone")

    page.get_by_label(t["number"]).fill("4242 4242 4242 4242")
    page.get_by_label(t["cvc"]).fill("123")
    page.locator(".pay-button").click()
    expect(page.get_by_text(t["thanks"])).to_be_visible()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_bank_fields_each_have_their_message(
    live_server, new_context, multi_link, language, settings
):
    t = TEXT[language]
    page = new_context(f"{language}-CA", viewport=PHONE).new_page()
    page.goto(live_server.url + multi_link.path)
    page.get_by_label(t["name"]).fill("Bob")
    page.get_by_label(t["email"]).fill("bob@example.com")
    page.locator("input[name=method][value=bank_transfer]").check()
    page.locator("#bank-institution").fill("12")
    page.locator("#bank-transit").fill("00011")
    page.locator("#bank-account").fill("12345")
    page.locator(".pay-button").click()
    expect(page.locator("#pay-errors")).to_be_focused()
    assert_described(page, "bank-institution", t["institution"])
    assert_described(page, "bank-account", t["account"])
    expect(page.locator("#bank-transit")).not_to_have_attribute("aria-invalid", "true")
    assert page.locator("#pay-errors li").count() == 2
    expect(page.locator("#bank-transit")).to_have_value("00011")  # nothing cleared


def test_the_server_checks_without_the_browsers_checks(client, multi_link):
    """The server stays the authority: a post missing the name comes back with the summary
    linking to the field, whose aria-describedby names the message's id."""
    from pay import post_pay

    response = post_pay(client, multi_link, fields={"name": ""})
    html = response.content.decode()
    assert 'href="#id_name"' in html
    match = re.search(r'<input[^>]*name="name"[^>]*>', html)
    assert match and 'aria-invalid="true"' in match.group(0)
    described = re.search(r'aria-describedby="([^"]*)"', match.group(0))
    assert described
    for i in described.group(1).split():
        assert f'id="{i}"' in html
    assert html.count('role="alert"') == 1


def test_the_status_page_updates_by_itself(live_server, new_context, multi_link):
    """A payment being processed: the page asks again in the background (no timed reload
    of the whole page) and shows the answer once there is one."""
    from pay import checkout_for, stuck_attempt
    from paylinks.checkout.models import Attempt

    checkout = checkout_for(multi_link)
    attempt = stuck_attempt(multi_link, checkout=checkout.nonce)
    page = new_context("en-CA", viewport=PHONE).new_page()
    page.goto(f"{live_server.url}{multi_link.path}/c/{checkout.nonce}")
    expect(page.get_by_role("heading", name="Your payment is being processed.")).to_be_visible()
    assert page.locator("meta[http-equiv=refresh]").count() == 0
    Attempt.objects.filter(pk=attempt.pk).update(
        outcome=Attempt.Outcome.FAILED, failure_code="card_declined"
    )
    expect(page.get_by_role("heading", name="The payment did not go through.")).to_be_visible()
    expect(page.get_by_text("The card was declined by the bank.")).to_be_visible()
