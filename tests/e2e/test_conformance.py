"""Every page, in French and in English, passes axe-core (0 violations) and the Nu HTML
checker (0 errors): the hosted page fresh, with the browser's errors, with the server's
errors and after a decline; its status pages; the confirmation; the pages of a paid or
deactivated link; the visitor's pages; every dashboard page, with a form's errors too.

axe runs in Chromium on the page as the person sees it (after its scripts); the Nu checker
gets the HTML each page was served as (and the page as scripts left it, where they changed
it), all pages in one run."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import make_merchant
from e2e.checkers import axe_violations, vnu_errors
from e2e.conftest import shot
from e2e.test_sending_pages import logged_in_context
from pay import checkout_for, pay_bank, pay_card, stuck_attempt
from paylinks.api.services import apikey_create
from paylinks.books.services import payment_fee_record, payouts_sandbox_make
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create, link_deactivate
from paylinks.merchants.services import merchant_customise
from paylinks.receipts.models import Payout, RefundReceipt, SalesReceipt
from paylinks.receipts.refunds import refund_create
from paylinks.webhooks.services import endpoint_create
from test_customise import image_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


SHOTS = {"hosted-fresh", "hosted-card-error", "settings", "settings-errors", "qr-print"}
# The refunds' and the books' pages.
SHOTS |= {"payment-refunded", "payment-errors", "refund-confirm", "payment-after"}
SHOTS |= {"receipt-refunded", "refund-receipts", "refund-receipt", "exports", "exports-errors"}
SHOTS |= {"totals-daily", "totals-monthly", "payouts", "payout", "confirmation"}


class Pages:
    """Checks each page as it is visited; the Nu checker's run comes at the end."""

    def __init__(self, out: Path, language: str):
        self.out, self.language = out, language
        self.axe: list[str] = []
        self.files: list[Path] = []

    def _save(self, name: str, html: str) -> None:
        path = self.out / f"{self.language}-{name}.html"
        path.write_text(html, encoding="utf-8")
        self.files.append(path)

    def check(self, page, name: str, served: str | None = None, dom: bool = False) -> None:
        """axe on the page now; the served HTML (and the live DOM with ``dom``) to vnu."""
        page.wait_for_load_state("load")
        self.axe += [f"{self.language} {name}: {v}" for v in axe_violations(page)]
        if served is not None:
            self._save(name, served)
        if dom:
            self._save(name + "-dom", page.content())
        if name in SHOTS:
            shot(page, f"conformance-{self.language}-{name}")
            size = page.viewport_size
            if size and size["width"] > 390:  # and as a phone shows it
                page.set_viewport_size({"width": 390, "height": 844})
                shot(page, f"conformance-{self.language}-{name}-390")
                page.set_viewport_size(size)

    def visit(self, page, url: str, name: str, status: int = 200) -> None:
        response = page.goto(url)
        assert response is not None and response.status == status, (
            url,
            response and response.status,
        )
        self.check(page, name, response.text())

    def submit(self, page, click, name: str, dom: bool = False, status: int = 200) -> None:
        """Submit a form (``click``) and check the page it leads to."""
        with page.expect_navigation() as navigation:
            click()
        response = navigation.value
        assert response is not None and response.status == status, response and response.status
        self.check(page, name, response.text(), dom=dom)


def _hosted_page(pages: Pages, context, base: str, link, fr: bool) -> None:
    page = context.new_page()
    pages.visit(page, base + link.path, "hosted-fresh")

    # The browser's own checks: a mistyped expiry, then bank details one field wrong.
    page.locator("#id_name").fill("Jane Payer")
    page.locator("#id_email").fill("jane@example.com")
    page.locator("#card-number").fill("4242 4242 4242 4242")
    page.locator("#card-exp").fill("13")
    page.locator("#card-cvc").fill("123")
    page.locator(".pay-button").click()
    page.locator("#pay-errors").wait_for(state="visible")
    pages.check(page, "hosted-card-error", dom=True)
    page.locator("input[name=method][value=bank_transfer]").check()
    page.locator("#bank-institution").fill("12")
    page.locator("#bank-transit").fill("00011")
    page.locator("#bank-account").fill("123")
    page.locator(".pay-button").click()
    page.locator("#bank-account-error:not(:empty)").wait_for()
    pages.check(page, "hosted-bank-error", dom=True)

    # The server's checks (the browser's let through): a token, a form missing fields.
    page.goto(base + link.path)
    page.locator("#card-number").fill("4242 4242 4242 4242")
    page.locator("#card-exp").fill("12/31")
    page.locator("#card-cvc").fill("123")
    submit_unchecked = """async () => {
      const form = document.getElementById("pay-form");
      const r = await window.paylinksSandbox(form.dataset.tokensUrl).card();
      form.querySelector("input[name=payment_token]").value = r.token;
      form.submit();
    }"""
    pages.submit(page, lambda: page.evaluate(submit_unchecked), "hosted-server-errors")

    # A declined card.
    page.goto(base + link.path)
    page.locator("#id_name").fill("Dan Declined")
    page.locator("#id_email").fill("dan@example.com")
    page.locator("#id_delivery_line1").fill("1 Main St")
    page.locator("#id_delivery_city").fill("Montréal")
    page.locator("#id_delivery_postal_code").fill("H2X 1Y4")
    page.locator("#card-number").fill("4000 0000 0000 0002")
    page.locator("#card-exp").fill("12/31")
    page.locator("#card-cvc").fill("123")
    pages.submit(page, lambda: page.locator(".pay-button").click(), "hosted-declined")
    page.close()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_page_passes_axe_and_the_nu_checker(
    live_server, new_context, settings, language, tmp_path
):
    settings.BASE_URL = base = live_server.url
    fr = language == "fr"
    locale = f"{language}-CA"
    user = make_merchant(email=f"conformance-{language}@bakery.test", locale=language)
    merchant = merchant_customise(
        merchant=user.merchant,
        business_name="Atelier Nova",
        accent_color="#5b21b6",
        logo=image_bytes(size=(300, 120)),
    )
    multi = link_create(
        merchant=merchant,
        kind="multi",
        amount=123456,
        description="Cours de poterie",
        allow_bank_transfer=True,
        collect_delivery=True,
        max_payments=10,
    )
    pay_card(multi)
    pay_card(multi, "4000000000000002", name="Dan Declined")  # an issue
    pending = pay_bank(multi)
    single = link_create(
        merchant=merchant,
        kind="single",
        amount=30000,
        description="Traiteur d'anniversaire",
        customer_name="Olivier",
        customer_email="olivier@example.com",
        customer_phone="514 555 0123",
    )
    paid = link_create(
        merchant=merchant,
        kind="single",
        amount=4500,
        description="Gâteau",
        customer_name="Camille",
        customer_email="camille@example.com",
    )
    paid_attempt = pay_card(paid)
    off = link_deactivate(
        link=link_create(merchant=merchant, kind="multi", amount=500, description="Café")
    )
    waiting = checkout_for(single)
    stuck_attempt(single, checkout=waiting.nonce)
    failed = checkout_for(multi)
    pay_card(multi, "4000000000000002", checkout=failed)
    apikey_create(merchant=merchant, name="Shop")
    endpoint = endpoint_create(
        merchant=merchant, url="http://127.0.0.1:9/hooks", description="", enabled_events=["*"]
    )
    receipt = SalesReceipt.objects.filter(merchant=merchant).first()
    assert receipt is not None
    # The books: each payment's fee, a refund, and the sandbox's payout of the next day.
    for payment in Payment.objects.filter(merchant=merchant, status="succeeded"):
        assert payment_fee_record(payment=payment)
    refunded = Payment.objects.get(pk=paid_attempt.payment.pk)
    refund_create(
        payment=refunded,
        amount=1500,
        reason="requested_by_customer",
        note="Gâteau abîmé",
        idempotency_key=f"conformance-{language}",
        source="dashboard",
        requested_by=None,
    )
    assert payouts_sandbox_make(today=timezone.localdate() + timedelta(days=1)) == 1
    payout = Payout.objects.get(merchant=merchant)
    refund_receipt = RefundReceipt.objects.get(merchant=merchant)
    paid_receipt = SalesReceipt.objects.get(payment=refunded)
    to_refund = Payment.objects.filter(merchant=merchant, status="succeeded", amount_refunded=0)
    to_refund = to_refund.exclude(pk=refunded.pk).first()
    assert to_refund is not None

    pages = Pages(tmp_path, language)

    # The visitor's pages, and a sign-up and a log-in with errors.
    visitor = new_context(locale).new_page()
    pages.visit(visitor, base + "/", "landing")
    pages.visit(visitor, base + "/signup/", "signup")
    pages.submit(visitor, lambda: visitor.locator("main .primary").click(), "signup-errors")
    pages.visit(visitor, base + "/login/", "login")
    visitor.locator("input[type=email], input[name=username]").first.fill("nobody@example.com")
    visitor.locator("input[type=password]").fill("wrong-password-1")
    pages.submit(visitor, lambda: visitor.locator("main .primary").click(), "login-errors")

    # The customer's pages.
    customer = new_context(locale, viewport={"width": 390, "height": 844})
    _hosted_page(pages, customer, base, multi, fr)
    page = customer.new_page()
    pages.visit(page, f"{base}/r/{paid_attempt.payment.token}", "confirmation")
    pages.visit(page, f"{base}/r/{to_refund.token}", "confirmation-unrefunded")
    pages.visit(page, f"{base}/r/{pending.payment.token}", "confirmation-pending")
    pages.visit(page, base + paid.path, "link-paid")
    pages.visit(page, base + off.path, "link-deactivated")
    pages.visit(page, f"{base}{single.path}/c/{waiting.nonce}", "status-processing")
    pages.visit(page, f"{base}{multi.path}/c/{failed.nonce}", "status-failed")

    # The merchant's dashboard.
    page = logged_in_context(new_context, live_server, user, locale).new_page()
    for path, name in (
        ("/", "home"),
        ("/sales/payment-links/", "links"),
        ("/sales/payment-links/?status=paid", "links-filtered"),
        (f"/sales/payment-links/{multi.public_id}/", "link-multi"),
        (f"/sales/payment-links/{single.public_id}/", "link-single"),
        (f"/sales/payment-links/{paid.public_id}/", "link-paid-detail"),
        (f"/sales/payment-links/{off.public_id}/", "link-off-detail"),
        (f"/sales/payment-links/{multi.public_id}/issues/", "issues"),
        (f"/sales/payment-links/{multi.public_id}/payments/", "link-payments"),
        (f"/sales/payment-links/{multi.public_id}/attempts/", "link-attempts"),
        (f"/sales/payment-links/{single.public_id}/edit/", "link-edit"),
        ("/sales/payment-links/new/", "link-new"),
        ("/sales/payment-links/new/single/", "link-create-single"),
        ("/sales/receipts/", "receipts"),
        (f"/sales/receipts/{receipt.public_id}/", "receipt"),
        ("/account/payments/", "payments-account"),
        ("/account/password/", "password"),
        ("/account/activity/", "activity"),
        ("/developers/api-keys/", "api-keys"),
        ("/developers/webhooks/", "webhooks"),
        (f"/developers/webhooks/{endpoint.public_id}/", "webhook"),
        ("/account/settings/", "settings"),
        (f"/sales/payments/{refunded.public_id}/", "payment-refunded"),
        (f"/sales/receipts/{paid_receipt.public_id}/", "receipt-refunded"),
        ("/sales/refund-receipts/", "refund-receipts"),
        (f"/sales/refund-receipts/{refund_receipt.public_id}/", "refund-receipt"),
        ("/sales/books/exports/", "exports"),
        ("/sales/books/totals/", "totals-daily"),
        ("/sales/books/totals/?start=2026-01-01&end=2026-12-31&by=month", "totals-monthly"),
        ("/sales/books/payouts/", "payouts"),
        (f"/sales/books/payouts/{payout.public_id}/", "payout"),
        (f"/sales/books/payouts/{payout.public_id}/refunds/", "payout-refunds"),
        (f"/sales/payment-links/{multi.public_id}/qr/print/", "qr-print"),
    ):
        pages.visit(page, base + path, name)
    pages.visit(page, base + "/sales/payment-links/new/multi/", "link-create-multi")
    pages.submit(page, lambda: page.locator("main .primary").click(), "link-create-errors")
    pages.visit(page, base + "/account/settings/", "settings-again")
    page.locator("#id_accent_color").fill("#ffff00")
    pages.submit(page, lambda: page.locator("main button.primary").click(), "settings-errors")

    # A refund: the form, an error, the confirmation step, the page after it.
    pages.visit(page, f"{base}/sales/payments/{to_refund.public_id}/", "payment")
    page.locator("#id_amount").fill("99999")
    pages.submit(page, lambda: page.locator("main button.primary").click(), "payment-errors")
    page.locator("#id_amount").fill("2" if not fr else "2,00")
    pages.submit(page, lambda: page.locator("main button.primary").click(), "refund-confirm")
    pages.submit(page, lambda: page.locator("main button.primary").click(), "payment-after")
    # The books' export form with an error.
    pages.visit(page, base + "/sales/books/exports/", "exports-again")
    page.locator("#id_kind").select_option("quickbooks")
    pages.submit(
        page, lambda: page.locator("main button.primary").click(), "exports-errors", status=400
    )

    errors = vnu_errors(pages.files)
    assert not pages.axe + errors, "\n".join(pages.axe + errors)
