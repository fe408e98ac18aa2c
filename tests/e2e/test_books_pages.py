"""The books' pages in Chromium, French and English, desktop and 390 px: exports (a CSV
downloaded through the form, and a field error), period totals, payouts and a payout,
and a receipt with its fee; nothing wider than the screen."""

import codecs
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import make_merchant
from e2e.conftest import shot
from e2e.test_dashboard_pages import NO_OVERFLOW
from e2e.test_sending_pages import logged_in_context
from pay import good_card, pay_card
from paylinks.books.services import payment_fee_record, payouts_sandbox_make
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create
from paylinks.receipts.models import SalesReceipt

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_books_pages(live_server, new_context, settings, language, book_refund):
    settings.BASE_URL = live_server.url
    user = make_merchant(email=f"books-{language}@bakery.test", locale=language)
    link = link_create(
        merchant=user.merchant, kind="multi", amount=1250, description="Boîte de croissants"
    )
    today = timezone.localdate()
    payments = []
    for i in range(6):
        payment = pay_card(link, good_card(i), name=f"Client {i}").payment
        day = today - timedelta(days=i % 3)
        Payment.objects.filter(pk=payment.pk).update(
            settled_at=timezone.now() - timedelta(days=i % 3)
        )
        SalesReceipt.objects.filter(payment=payment).update(date=day)
        payment_fee_record(payment=Payment.objects.get(pk=payment.pk))
        payments.append(Payment.objects.get(pk=payment.pk))
    book_refund(payments[1], 500, day=today - timedelta(days=1))
    payouts_sandbox_make(today=today)
    payout = user.merchant.payouts.get()
    start = (today - timedelta(days=2)).isoformat()

    for width, name in ((1280, "desktop"), (390, "phone")):
        context = logged_in_context(
            new_context,
            live_server,
            user,
            f"{language}-CA",
            viewport={"width": width, "height": 900},
            accept_downloads=True,
        )
        page = context.new_page()
        for path, label in (
            ("/sales/books/exports/", "exports"),
            (f"/sales/books/totals/?start={start}&end={today.isoformat()}&by=day", "totals"),
            ("/sales/books/payouts/", "payouts"),
            (f"/sales/books/payouts/{payout.public_id}/", "payout"),
            (f"/sales/receipts/{payments[1].receipt.public_id}/", "receipt-fee"),
        ):
            page.goto(live_server.url + path)
            assert page.evaluate(NO_OVERFLOW), (path, width)
            shot(page, f"books-{label}-{language}-{name}")

        # The merchant downloads this period's sales receipts through the form.
        page.goto(live_server.url + "/sales/books/exports/")
        page.fill("#id_start", start)
        page.fill("#id_end", today.isoformat())
        with page.expect_download() as download:
            page.locator("form.stacked button[type=submit]").click()
        body = Path(download.value.path()).read_bytes()
        assert body.startswith(codecs.BOM_UTF8)
        assert body.decode("utf-8-sig").count("\r\n") == 7  # the header and six receipts
        assert download.value.suggested_filename.endswith(".csv")

        # A QuickBooks export without its deposit account: the error is on that field.
        page.select_option("#id_kind", "quickbooks")
        page.locator("form.stacked button[type=submit]").click()
        error = page.locator("#field-deposit_to .error")
        assert error.is_visible()
        assert page.evaluate(NO_OVERFLOW)
        shot(page, f"books-exports-error-{language}-{name}")
        context.close()
