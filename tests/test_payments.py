import pytest
from django.core import mail

from pay import pay_bank, pay_card
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.services import link_create
from paylinks.processors.models import SandboxCharge
from paylinks.receipts.models import SalesReceipt


@pytest.mark.parametrize(
    "number,code",
    [
        ("4000000000000002", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4000000000000127", "incorrect_cvc"),
        ("4000000000000119", "processing_error"),
        ("4242424242424241", "incorrect_number"),
    ],
)
def test_sandbox_failures_are_attempts_not_payments(multi_link, number, code):
    attempt = pay_card(multi_link, number)
    assert (attempt.outcome, attempt.failure_code) == ("failed", code)
    assert attempt.failure_message  # words a merchant understands
    assert attempt.card_last4 == number[-4:]
    assert not Payment.objects.exists() and not SalesReceipt.objects.exists()


def test_expired_card_by_date_and_bad_cvc(multi_link):
    assert pay_card(multi_link, exp_year=2020).failure_code == "expired_card"
    assert pay_card(multi_link, cvc="12").failure_code == "invalid_cvc"


def test_any_luhn_valid_card_succeeds(multi_link):
    attempt = pay_card(multi_link, "5555555555554444")
    assert attempt.outcome == "succeeded"
    assert attempt.payment.method_label == "Mastercard •••• 4444"


def test_card_payment_books_a_receipt_for_multi_use_link(multi_link, run_tasks):
    attempt = pay_card(multi_link, name="Jane Payer")
    payment = attempt.payment
    receipt = payment.receipt
    assert receipt.number == 1
    assert receipt.customer_name == "" and receipt.customer_display == "Unspecified"
    assert "Jane Payer" in receipt.description and "jane@example.com" in receipt.description
    assert receipt.line_description == "Box of croissants"
    assert (receipt.amount, receipt.currency) == (1250, "CAD")
    assert receipt.payment_method == "Visa •••• 4242"
    assert receipt.link == multi_link
    # Attempts are written before the processor is called, with a key derived from them.
    charge = SandboxCharge.objects.get()
    assert charge.idempotency_key == attempt.idempotency_key
    assert charge.reference == payment.processor_ref


def test_single_use_receipt_names_the_links_customer(single_link):
    receipt = pay_card(single_link, name="Someone Else").payment.receipt
    assert receipt.customer_name == "Camille Tremblay"
    assert receipt.customer_email == "camille@example.com"


def test_receipts_numbered_per_merchant_without_gaps(multi_link, merchant):
    from conftest import make_merchant

    other = make_merchant(email="other@shop.test", business_name="Other shop")
    other_link = link_create(merchant=other.merchant, kind="multi", amount=100, description="Other")
    pay_card(multi_link)
    pay_card(multi_link, "4000000000000002")  # declined: no receipt, no number used
    pay_card(other_link)
    pay_card(multi_link)
    assert list(
        SalesReceipt.objects.filter(merchant=merchant)
        .order_by("number")
        .values_list("number", flat=True)
    ) == [1, 2]
    assert SalesReceipt.objects.get(merchant=other.merchant).number == 1


def test_emails_to_customer_and_merchant(multi_link, run_tasks):
    pay_card(multi_link, language="fr")
    assert mail.outbox == []  # sent by the worker, not in the request
    run_tasks()
    by_to = {m.to[0]: m for m in mail.outbox}
    customer, owner = by_to["jane@example.com"], by_to["owner@bakery.test"]
    assert "Reçu" in customer.body and "12,50" in customer.body
    assert "Bakery & Co" in customer.subject
    assert multi_link.token in owner.body  # the confirmation contains the link
    assert "$12.50" in owner.subject and "Jane Payer" in owner.subject


def test_bank_transfer_pending_then_settles(single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    attempt = pay_bank(single_link)
    payment = attempt.payment
    assert attempt.outcome == "pending" and payment.status == "pending"
    assert payment.method_label == "Bank transfer •••• 6789"
    assert not SalesReceipt.objects.exists()
    run_tasks()
    payment.refresh_from_db()
    single_link.refresh_from_db()
    assert payment.status == "succeeded"
    assert single_link.status == "paid"
    assert payment.receipt.payment_method == "Bank transfer •••• 6789"
    assert Attempt.objects.get().outcome == "succeeded"


def test_bank_transfer_failure_reopens_single_use_link(single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    pay_bank(single_link, account="000111111116")
    single_link.refresh_from_db()
    assert single_link.status == "processing"
    run_tasks()
    single_link.refresh_from_db()
    payment = Payment.objects.get()
    assert payment.status == "failed" and payment.failure_code == "account_closed"
    assert single_link.status == "active"
    assert not SalesReceipt.objects.exists()
    subjects = [m.subject for m in mail.outbox]
    assert any("failed" in s for s in subjects)


def test_pending_transfer_waits_for_its_settlement_time(single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = 3600
    pay_bank(single_link)
    run_tasks()
    assert Payment.objects.get().status == "pending"


def test_no_card_number_or_cvc_stored(multi_link):
    pay_card(multi_link, "4000000000000002", cvc="987")
    pay_card(multi_link, cvc="987")
    pay_bank(multi_link, account="987654321")
    from django.db import connection

    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump.extend(repr(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    for secret in ("4242424242424242", "4000000000000002", "987654321"):
        assert secret not in text
