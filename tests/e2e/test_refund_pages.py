"""A merchant refunds part of a payment in Chromium, confirms, and finds the refund receipt
(French and English, desktop and 390 px: nothing wider than the screen)."""

import pytest

from conftest import make_merchant
from e2e.conftest import shot
from e2e.test_sending_pages import logged_in_context
from pay import pay_card
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create
from paylinks.receipts.models import RefundReceipt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth + 1"
NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("language", "width"), [("en", 1280), ("fr", 390)], ids=["en-desktop", "fr-phone"]
)
def test_refund_a_part_and_see_the_receipt(live_server, new_context, settings, language, width):
    settings.BASE_URL = live_server.url
    fr = language == "fr"
    user = make_merchant(email=f"refund-{language}@bakery.test", locale=language)
    link = link_create(
        merchant=user.merchant,
        kind="single",
        amount=30000,
        description="Traiteur d'anniversaire",
        customer_name="Olivier",
        customer_email="olivier@example.com",
    )
    payment = Payment.objects.get(attempt=pay_card(link, name="Olivier Tremblay"))
    context = logged_in_context(
        new_context, live_server, user, f"{language}-CA", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    # From the link's payments to the payment's page.
    page.goto(f"{live_server.url}/sales/payment-links/{link.public_id}/payments/")
    page.locator(f"a[href='/sales/payments/{payment.public_id}/']").click()
    stays_paid = (
        f"Le lien reste payé{NBSP}; pour facturer de nouveau, créez un nouveau lien."
        if fr
        else "The link stays paid; to charge again, create a new link."
    )
    assert page.locator("[data-single-use]").inner_text() == stays_paid
    assert page.evaluate(NO_OVERFLOW)
    shot(page, f"refund-form-{language}-{width}")
    page.get_by_label("Montant à rembourser" if fr else "Amount to refund").fill(
        "50,25" if fr else "50.25"
    )
    page.get_by_label("Note (pour vos livres)" if fr else "Note (for your books)").fill(
        "Dessert oublié"
    )
    page.get_by_role("button", name="Rembourser…" if fr else "Refund…").click()
    question = page.locator("[data-confirm]").inner_text()
    assert question == (
        f"Rembourser 50,25{NBSP}$ à Olivier Tremblay (payé 300,00{NBSP}$){NBSP}?"
        if fr
        else "Refund $50.25 to Olivier Tremblay (paid $300.00)?"
    )
    assert page.evaluate(NO_OVERFLOW)
    shot(page, f"refund-confirm-{language}-{width}")
    page.get_by_role("button", name=f"Rembourser 50,25{NBSP}$" if fr else "Refund $50.25").click()
    flash = page.locator(".flash").inner_text()
    assert flash == (f"50,25{NBSP}$ remboursé." if fr else "$50.25 refunded.")
    left = page.locator("[data-refundable]").inner_text()
    assert left == (f"249,75{NBSP}$" if fr else "$249.75")
    shot(page, f"refund-done-{language}-{width}")
    receipt = RefundReceipt.objects.get(merchant=user.merchant)
    page.locator(f"a[href='/sales/refund-receipts/{receipt.public_id}/']").click()
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == (f"Reçu de remboursement nº{NBSP}1" if fr else "Refund receipt no. 1")
    assert "Dessert oublié" in page.content()
    assert page.evaluate(NO_OVERFLOW)
    shot(page, f"refund-receipt-{language}-{width}")
    context.close()
