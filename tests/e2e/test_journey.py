"""A merchant signs up, applies, creates a multi-use link; a customer pays it in another
browser context; the receipt is there; a declined card lands on the issues page; and the
same works in French."""

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import shot
from paylinks.receipts.models import SalesReceipt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"


def sign_up_and_apply(page, base: str, email: str, language: str) -> None:
    fr = language == "fr"
    page.goto(base + "/signup/")
    page.get_by_label("Nom de l’entreprise" if fr else "Business name").fill("Atelier Nova")
    page.get_by_label("Courriel" if fr else "Email").fill(email)
    page.get_by_label("Mot de passe" if fr else "Password").fill(PASSWORD)
    page.get_by_label("Langue" if fr else "Language").select_option(language)
    page.get_by_role("button", name="S’inscrire" if fr else "Sign up").click()
    page.get_by_role("link", name="Faire une demande" if fr else "Apply").click()
    page.get_by_label("Numéro d’institution" if fr else "Institution number").fill("001")
    page.get_by_label("Numéro de transit" if fr else "Transit number").fill("00011")
    page.get_by_label("Numéro de compte" if fr else "Account number").fill("123456789")
    shot(page, f"apply-{language}")
    page.get_by_role("button", name="Faire une demande" if fr else "Apply").click()


def create_multi_link(page, amount: str, description: str, fr: bool) -> str:
    page.get_by_role("link", name="Créer un lien" if fr else "Create link").click()
    page.get_by_label("Lien de paiement multi-usage" if fr else "Multi-use link").check()
    page.get_by_role("button", name="Suivant" if fr else "Next").click()
    page.get_by_label("Montant" if fr else "Amount").fill(amount)
    page.get_by_label("Description").fill(description)
    shot(page, f"create-{'fr' if fr else 'en'}")
    page.get_by_role("button", name="Créer un lien" if fr else "Create link").click()
    url = page.locator("#link-url").input_value()
    assert re.search(r"/l/[A-Za-z0-9_-]{32}$", url)
    return url


def pay(page, url: str, number: str, name: str, fr: bool) -> None:
    page.goto(url)
    page.get_by_label("Nom complet" if fr else "Full name").fill(name)
    page.get_by_label("Courriel" if fr else "Email").fill("payer@example.com")
    page.get_by_label("Numéro de carte" if fr else "Card number").fill(number)
    page.get_by_label("Expiration (MM/AA)" if fr else "Expiry (MM/YY)").fill("12/31")
    page.get_by_label("Code de sécurité (CVC)" if fr else "Security code (CVC)").fill("123")
    page.get_by_role("button", name=re.compile("^(Payer|Pay) ")).click()


def test_english_journey(live_server, new_context, settings):
    settings.BASE_URL = live_server.url
    merchant = new_context("en-CA").new_page()
    sign_up_and_apply(merchant, live_server.url, "nova@example.com", "en")
    expect(merchant.get_by_text("Your payments account is approved.")).to_be_visible()
    url = create_multi_link(merchant, "1,234.56", "Pottery class", fr=False)

    customer = new_context("en-CA", viewport={"width": 390, "height": 844}).new_page()
    customer.goto(url)
    expect(customer.get_by_role("heading", name="$1,234.56")).to_be_visible()
    shot(customer, "hosted-en-phone")
    pay(customer, url, "4242 4242 4242 4242", "Jane Payer", fr=False)
    expect(customer.get_by_text("Thank you! Your payment was received.")).to_be_visible()
    expect(customer.get_by_text("Visa •••• 4242")).to_be_visible()
    shot(customer, "receipt-en")
    receipt = SalesReceipt.objects.get()
    assert receipt.amount == 123456 and receipt.customer_name == ""

    pay(customer, url, "4000 0000 0000 0002", "Declined Dan", fr=False)
    expect(customer.get_by_text("The card was declined by the bank.")).to_be_visible()

    merchant.get_by_role("link", name="Payment links").click()
    merchant.get_by_role("link", name="View issues").click()
    expect(merchant.get_by_text("Declined Dan")).to_be_visible()
    expect(merchant.get_by_text("The customer's bank declined the card.")).to_be_visible()
    shot(merchant, "issues-en")

    merchant.get_by_role("link", name="Sales receipts").click()
    merchant.get_by_role("link", name="1", exact=True).click()
    expect(merchant.get_by_text("Jane Payer", exact=False)).to_be_visible()
    expect(merchant.get_by_text("Unspecified")).to_be_visible()


def test_french_journey(live_server, new_context, settings):
    settings.BASE_URL = live_server.url
    merchant = new_context("fr-CA").new_page()
    sign_up_and_apply(merchant, live_server.url, "nova-fr@example.com", "fr")
    expect(merchant.get_by_text("Votre compte de paiements est approuvé.")).to_be_visible()
    url = create_multi_link(merchant, "1 234,56", "Cours de poterie", fr=True)

    customer = new_context("fr-CA").new_page()
    customer.goto(url)
    expect(customer.get_by_role("heading", name=re.compile(r"1\s234,56\s\$"))).to_be_visible()
    pay(customer, url, "4242 4242 4242 4242", "Jeanne Payeuse", fr=True)
    expect(customer.get_by_text("Merci\u00a0! Votre paiement a été reçu.")).to_be_visible()
    shot(customer, "receipt-fr")
    pay(customer, url, "4000 0000 0000 0002", "Denis Refusé", fr=True)
    expect(customer.get_by_text("La carte a été refusée par la banque.")).to_be_visible()
    merchant.get_by_role("link", name="Liens de paiement").click()
    merchant.get_by_role("link", name="Voir les problèmes").click()
    expect(merchant.get_by_text("Denis Refusé")).to_be_visible()
    shot(merchant, "issues-fr")


def test_language_switch_on_hosted_page(live_server, new_context, settings, multi_link):
    page = new_context("en-CA").new_page()
    page.goto(live_server.url + multi_link.path)
    expect(page.get_by_role("heading", name="$12.50")).to_be_visible()
    page.get_by_role("button", name="Français").click()
    expect(page.get_by_role("heading", name=re.compile(r"12,50\s\$"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Payer"))).to_be_visible()
