"""Refunds from the dashboard (the payment's page, the confirmation, the refund receipts)
and from the API (/api/v1/payments/{id}/refunds, /refunds, /refund_receipts)."""

import re

import pytest

from api_client import Api
from pay import pay_bank, pay_card
from paylinks.checkout.models import Payment
from paylinks.processors.models import SandboxRefund
from paylinks.receipts.models import Refund, RefundReceipt

NBSP = "\u00a0"


def paid(link) -> Payment:
    return Payment.objects.get(attempt=pay_card(link))


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def text(response) -> str:
    return response.content.decode()


def test_refund_a_part_from_the_payments_page(logged_in, multi_link, run_tasks):
    payment = paid(multi_link)
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert "$12.50" in page and "Refund…" in page
    assert "A refund does not reopen the link" in page
    form = {
        "amount": "5",
        "reason": "requested_by_customer",
        "note": "One croissant missing",
        "nonce": hidden(page, "nonce"),
    }
    confirm = text(logged_in.post(f"/sales/payments/{payment.public_id}/refund/", form))
    assert "Refund $5.00 to Jane Payer (paid $12.50)?" in confirm
    assert not Refund.objects.exists()  # nothing before the confirmation
    done = logged_in.post(
        f"/sales/payments/{payment.public_id}/refund/", {**form, "confirm": "1"}, follow=True
    )
    page = text(done)
    assert "$5.00 refunded." in page
    assert "Left to refund" in page and "$7.50" in page
    receipt = RefundReceipt.objects.get()
    assert receipt.number == 1 and receipt.amount == 500
    assert f'href="/sales/refund-receipts/{receipt.public_id}/"' in page
    # Posting the confirmation again (back, resubmit): the same refund, not a second.
    logged_in.post(f"/sales/payments/{payment.public_id}/refund/", {**form, "confirm": "1"})
    assert Refund.objects.count() == SandboxRefund.objects.count() == 1
    detail = text(logged_in.get(f"/sales/refund-receipts/{receipt.public_id}/"))
    assert "Refund receipt no. 1" in detail and "Sales receipt no. 1" in detail
    assert "One croissant missing" in detail
    sales = text(logged_in.get(f"/sales/receipts/{payment.receipt.public_id}/"))
    assert f"/sales/refund-receipts/{receipt.public_id}/" in sales
    listing = text(logged_in.get("/sales/refund-receipts/"))
    assert f"/sales/refund-receipts/{receipt.public_id}/" in listing and "$5.00" in listing
    pdf = logged_in.get(f"/sales/refund-receipts/{receipt.public_id}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert "refund-receipt-1.pdf" in pdf["Content-Disposition"]
    link_payments = text(logged_in.get(f"/sales/payment-links/{multi_link.public_id}/payments/"))
    assert f"/sales/payments/{payment.public_id}/" in link_payments


def test_the_form_says_what_is_wrong_in_french(client, user, multi_link):
    user.merchant.locale = "fr"
    client.force_login(user)
    client.cookies["django_language"] = "fr"
    payment = paid(multi_link)
    page = text(client.get(f"/sales/payments/{payment.public_id}/"))
    base = {"reason": "duplicate", "note": "", "nonce": hidden(page, "nonce")}
    too_much = text(
        client.post(f"/sales/payments/{payment.public_id}/refund/", {**base, "amount": "13"})
    )
    assert f"Vous pouvez rembourser au plus 12,50{NBSP}$." in too_much
    bad = text(client.post(f"/sales/payments/{payment.public_id}/refund/", {**base, "amount": "x"}))
    assert "Saisissez le montant" in bad or "montant" in bad
    assert not Refund.objects.exists()


def test_a_single_use_links_page_says_it_stays_paid(logged_in, single_link):
    payment = paid(single_link)
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert "The link stays paid; to charge again, create a new link." in page


def test_another_merchants_payment_is_404(client, multi_link):
    from conftest import make_merchant

    payment = paid(multi_link)
    client.force_login(make_merchant(email="other@shop.test"))
    assert client.get(f"/sales/payments/{payment.public_id}/").status_code == 404
    r = client.post(
        f"/sales/payments/{payment.public_id}/refund/",
        {"amount": "1", "reason": "other", "nonce": "n", "confirm": "1"},
    )
    assert r.status_code == 404 and not Refund.objects.exists()


@pytest.fixture
def api(client, merchant) -> Api:
    return Api(client, merchant)


def test_api_refund_with_idempotency_key_list_and_retrieve(api, multi_link):
    payment = paid(multi_link)
    path = f"/payments/{payment.public_id}/refunds"
    r = api.post(path, {"amount": 300, "reason": "duplicate"}, **{"Idempotency-Key": "k-1"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["object"] == "refund" and body["status"] == "succeeded"
    assert body["amount"] == 300 and body["payment"] == payment.public_id
    assert body["refund_receipt"].startswith("rfrc_") and body["source"] == "api"
    again = api.post(path, {"amount": 300, "reason": "duplicate"}, **{"Idempotency-Key": "k-1"})
    assert again.json()["id"] == body["id"] and Refund.objects.count() == 1
    assert Refund.objects.get().idempotency_key == "k-1"
    rest = api.post(path, {})  # the whole amount left
    assert rest.json()["amount"] == 950
    listing = api.get("/refunds", {"payment": payment.public_id}).json()
    assert listing["object"] == "list" and [r["amount"] for r in listing["data"]] == [950, 300]
    assert api.get(f"/refunds/{body['id']}").json()["id"] == body["id"]
    receipts = api.get("/refund_receipts").json()["data"]
    assert [r["number"] for r in receipts] == [2, 1]
    one = api.get(f"/refund_receipts/{body['refund_receipt']}").json()
    assert one["object"] == "refund_receipt" and one["refund"] == body["id"]
    assert one["sales_receipt"] == payment.receipt.public_id
    assert api.get(f"/payments/{payment.public_id}").json()["amount_refunded"] == 1250
    nothing_left = api.post(path, {}).json()["error"]
    assert (nothing_left["code"], nothing_left["param"]) == ("fully_refunded", "amount")


def test_api_errors_name_the_field(api, multi_link):
    payment = paid(multi_link)
    path = f"/payments/{payment.public_id}/refunds"
    too_much = api.post(path, {"amount": 5000})
    assert too_much.status_code == 400
    assert too_much.json()["error"]["param"] == "amount"
    assert too_much.json()["error"]["code"] == "amount_too_large"
    assert "$12.50" in too_much.json()["error"]["message"]
    currency = api.post(path, {"amount": 100, "currency": "EUR"}).json()["error"]
    assert currency["param"] == "currency"
    zero = api.post(path, {"amount": 0}).json()["error"]
    assert zero["param"] == "amount"
    pending = Payment.objects.get(attempt=pay_bank(multi_link))
    refused = api.post(f"/payments/{pending.public_id}/refunds", {"amount": 100})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "payment_not_succeeded"
    assert api.post("/payments/pay_nope/refunds", {"amount": 1}).status_code == 404
    assert api.get("/refunds/re_nope").status_code == 404
    assert not Refund.objects.exists()


def test_the_payments_page_shows_the_fee_and_net_once_known(logged_in, multi_link):
    payment = paid(multi_link)
    Payment.objects.filter(pk=payment.pk).update(fee=None)  # not known yet: nothing shown
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert "data-fee" not in page and "data-net" not in page
    Payment.objects.filter(pk=payment.pk).update(fee=66)
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert re.search(r"data-fee>\$0\.66<", page) and re.search(r"data-net>\$11\.84<", page)
    assert "Processor fee" in page


def test_the_payments_page_links_the_payout_that_paid_it(logged_in, multi_link):
    from datetime import timedelta

    from django.utils import timezone

    from paylinks.books.services import payment_fee_record, payouts_sandbox_make
    from paylinks.receipts.models import Payout

    payment = paid(multi_link)
    assert payment_fee_record(payment=payment)
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert "data-payout" not in page
    assert payouts_sandbox_make(today=timezone.localdate() + timedelta(days=1)) == 1
    payout = Payout.objects.get()
    page = text(logged_in.get(f"/sales/payments/{payment.public_id}/"))
    assert f'href="/sales/books/payouts/{payout.public_id}/"' in page
