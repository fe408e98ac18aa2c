"""The books: processors' fees, payouts, CSV exports and period totals (issue 11)."""

import codecs
import csv
import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from api_client import Api
from conftest import make_merchant
from pay import good_card, pay_bank, pay_card
from paylinks.books.services import payouts_sandbox_make
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create
from paylinks.processors.sandbox import sandbox_fee
from paylinks.receipts.models import Payout, SalesReceipt

CARD_FEE_1250 = 66  # 2.9 % of 12.50 is 0.3625, rounded to 0.36, plus 0.30


def at_noon(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12)))


def move_to(payment: Payment, day: date) -> Payment:
    """As if the payment had been made and booked on ``day``."""
    Payment.objects.filter(pk=payment.pk).update(created_at=at_noon(day), settled_at=at_noon(day))
    SalesReceipt.objects.filter(payment=payment).update(date=day)
    payment.refresh_from_db()
    return payment


def download(client, **params) -> list[dict[str, str]]:
    """An export as the merchant downloads it: checks the BOM, returns its rows."""
    response = client.get(reverse("books:exports"), {k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def cents(rows: list[dict[str, str]], column: str) -> int:
    return int(sum((Decimal(r[column] or "0") for r in rows), Decimal(0)) * 100)


# -- fees ---------------------------------------------------------------------------------


def test_sandbox_fees_are_documented_numbers():
    assert sandbox_fee(method="card", amount=1250) == CARD_FEE_1250
    assert sandbox_fee(method="card", amount=10000) == 320  # 2.90 + 0.30
    assert sandbox_fee(method="card", amount=50) == 31  # 0.0145 rounds to 0.01
    assert sandbox_fee(method="bank_transfer", amount=123456) == 100


def test_a_card_payment_has_the_fee_the_sandbox_answered_with_and_the_receipt_shows_it(
    logged_in, multi_link
):
    from django_tasks_db.models import DBTaskResult

    payment = pay_card(multi_link).payment
    payment.refresh_from_db()
    assert payment.fee == CARD_FEE_1250 and payment.net == 1250 - CARD_FEE_1250
    # Known with the charge: no task asks the processor again.
    assert not DBTaskResult.objects.filter(task_path__endswith="record_payment_fee").exists()
    page = logged_in.get(reverse("receipts:detail", args=[payment.receipt.public_id]))
    text = page.content.decode()
    assert "$0.66" in text and "$11.84" in text


@pytest.fixture
def fee_after_the_charge(monkeypatch):
    """The sandbox answering without the fee, as Stripe does (it books the fee a moment
    after the charge): the payment's fee is then asked by a task."""
    import dataclasses

    from paylinks.processors.sandbox import SandboxProcessor

    confirm = SandboxProcessor.confirm

    def without_fee(self, **kwargs):
        return dataclasses.replace(confirm(self, **kwargs), fee=None)

    monkeypatch.setattr(SandboxProcessor, "confirm", without_fee)


def test_a_fee_the_processor_does_not_answer_with_the_charge_is_asked_by_a_task(
    multi_link, run_tasks, fee_after_the_charge
):
    payment = pay_card(multi_link).payment
    payment.refresh_from_db()
    assert payment.fee is None  # not on the customer's request: a task asks the processor
    run_tasks()
    payment.refresh_from_db()
    assert payment.fee == CARD_FEE_1250


def test_a_bank_transfer_gets_its_flat_fee_once_it_settles(single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = 0
    settings.SETTLEMENT_CHECK_SECONDS = 0
    payment = pay_bank(single_link).payment
    assert payment.status == "pending"
    run_tasks()  # the periodic pass settles it: the sandbox answers with its fee
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.fee == 100


def test_a_failed_payment_has_no_fee(single_link, run_tasks, settings):
    settings.SANDBOX_SETTLE_SECONDS = 0
    settings.SETTLEMENT_CHECK_SECONDS = 0
    payment = pay_bank(single_link, account="000111111116").payment
    run_tasks()
    payment.refresh_from_db()
    assert payment.status == "failed" and payment.fee is None


# -- payouts --------------------------------------------------------------------------------


def test_the_sandbox_daily_payout_gathers_settled_payments_less_fees_and_refunds_once(
    logged_in, merchant, multi_link, single_link, run_tasks, book_refund, settings
):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    older = move_to(pay_card(multi_link, good_card(1)).payment, yesterday - timedelta(days=3))
    recent = move_to(pay_card(multi_link, good_card(2)).payment, yesterday)
    todays = pay_card(multi_link, good_card(3)).payment
    pending = pay_bank(single_link).payment  # a bank transfer not settled: never paid out
    other = make_merchant(email="other@shop.test").merchant
    other_link = link_create(merchant=other, kind="multi", amount=5000, description="Other")
    theirs = pay_card(other_link, good_card(4)).payment
    run_tasks()  # fees
    move_to(theirs, yesterday)
    refund = book_refund(older, 500, day=yesterday).refund

    assert payouts_sandbox_make(today=today) == 2  # one per merchant
    payout = Payout.objects.get(merchant=merchant)
    assert set(payout.payments.all()) == {older, recent}
    assert list(payout.refunds.all()) == [refund]
    assert payout.amount == 2 * 1250 - 2 * CARD_FEE_1250 - 500
    assert (payout.arrival_date, payout.status, payout.currency) == (today, "paid", "CAD")
    theirs_payout = Payout.objects.get(merchant=other)
    assert list(theirs_payout.payments.all()) == [theirs]
    assert theirs_payout.amount == 5000 - sandbox_fee(method="card", amount=5000)

    assert payouts_sandbox_make(today=today) == 0  # run again: nothing twice
    assert Payout.objects.count() == 2

    tomorrow = today + timedelta(days=1)
    assert payouts_sandbox_make(today=tomorrow) == 1  # today's payment, the next day
    latest = Payout.objects.filter(merchant=merchant).exclude(pk=payout.pk).get()
    assert list(latest.payments.all()) == [todays]
    assert latest.amount == 1250 - CARD_FEE_1250
    pending.refresh_from_db()
    assert pending.payout is None and pending.status == "pending"
    assert payouts_sandbox_make(today=tomorrow) == 0

    # The merchant's pages: the list by arrival date, a payout with what it contains.
    listing = logged_in.get(reverse("books:payouts")).content.decode()
    assert listing.index(latest.public_id) < listing.index(payout.public_id)
    assert theirs_payout.public_id not in listing
    detail = logged_in.get(reverse("books:payout", args=[payout.public_id])).content.decode()
    assert older.public_id in detail and recent.public_id in detail
    assert todays.public_id not in detail and refund.public_id in detail
    assert f'data-net="{payout.amount}"' in detail and 'data-refunds="500"' in detail
    # Its refund links to the refund receipt that books it.
    assert reverse("refunds:detail", args=[refund.receipt.public_id]) in detail
    assert logged_in.get(reverse("books:payout", args=[theirs_payout.public_id])).status_code == 404
    receipt = logged_in.get(reverse("receipts:detail", args=[older.receipt.public_id]))
    assert reverse("books:payout", args=[payout.public_id]) in receipt.content.decode()


def test_a_payout_page_shows_its_latest_refunds_and_pages_them_all(
    logged_in, merchant, multi_link, run_tasks, book_refund
):
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    paid = move_to(pay_card(multi_link, good_card(1)).payment, yesterday - timedelta(days=1))
    run_tasks()  # its fee
    refunds = [book_refund(paid, 10, day=yesterday).refund for _ in range(12)]
    assert payouts_sandbox_make(today=today) == 1
    payout = Payout.objects.get(merchant=merchant)
    assert payout.refunds.count() == 12

    detail = logged_in.get(reverse("books:payout", args=[payout.public_id])).content.decode()
    shown = re.findall(r'data-refund="(re_\w+)"', detail)
    assert len(shown) == 10 and set(shown) < {r.public_id for r in refunds}
    all_refunds = reverse("books:payout_refunds", args=[payout.public_id])
    assert all_refunds in detail and 'data-refunds="120"' in detail
    # Receipt numbers are written in running text's case, as on every other page.
    number = paid.receipt.number
    assert f">no. {number}</a>" in detail and f">No. {number}</a>" not in detail
    listed = logged_in.get(all_refunds).content.decode()
    assert set(re.findall(r'data-refund="(re_\w+)"', listed)) == {r.public_id for r in refunds}

    other = make_merchant(email="payout-refunds@other.test")
    logged_in.force_login(other)
    assert logged_in.get(all_refunds).status_code == 404


def test_a_payment_whose_fee_is_not_known_waits_for_a_later_payout(
    multi_link, run_tasks, fee_after_the_charge
):
    today = timezone.localdate()
    payment = move_to(pay_card(multi_link).payment, today - timedelta(days=1))
    assert payment.fee is None  # its fee task has not run yet
    assert payouts_sandbox_make(today=today) == 0
    run_tasks()
    assert payouts_sandbox_make(today=today) == 1
    payment.refresh_from_db()
    assert payment.payout is not None


# -- exports --------------------------------------------------------------------------------

FRENCH_SALES_HEADER = [
    "Nº",
    "Date",
    "Client",
    "Courriel du client",
    "Description",
    "Produit ou service",
    "Mode de paiement",
    "Devise",
    "Montant",
    "Frais",
    "Net",
    "Remboursé",
    "Paiement",
    "Reçu de vente",
]


def test_sales_receipts_csv_in_french_with_a_bom_and_decimals(client, db, run_tasks):
    user = make_merchant(email="fr@boulangerie.test", business_name="Boulangerie", locale="fr")
    link = link_create(
        merchant=user.merchant,
        kind="single",
        amount=123456,
        description="Gâteau « maison »",
        customer_name='=HYPERLINK("http://evil")',
        customer_email="c@example.com",
    )
    payment = pay_card(link).payment
    run_tasks()
    client.force_login(user)  # the dashboard in English: the file is in the merchant's language
    today = timezone.localdate()
    response = client.get(
        reverse("books:exports"),
        {"kind": "sales_receipts", "start": today.isoformat(), "end": today.isoformat()},
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    lines = body.decode("utf-8-sig").split("\r\n")
    assert next(csv.reader([lines[0]])) == FRENCH_SALES_HEADER
    (row,) = csv.DictReader(io.StringIO(body.decode("utf-8-sig"), newline=""))
    fee = sandbox_fee(method="card", amount=123456)
    assert row["Montant"] == "1234.56" and row["Frais"] == "36.10" and fee == 3610
    assert row["Net"] == "1198.46" and row["Remboursé"] == "0.00"
    assert row["Nº"] == "1" and row["Date"] == today.isoformat() and row["Devise"] == "CAD"
    assert row["Client"] == '\'=HYPERLINK("http://evil")'  # never a formula in a spreadsheet
    assert row["Produit ou service"] == "Gâteau « maison »"
    assert row["Mode de paiement"] == "Visa •••• 4242"
    assert row["Paiement"] == payment.public_id and row["Reçu de vente"].startswith("rcpt_")


def test_the_date_range_takes_both_ends_and_nothing_outside(
    logged_in, multi_link, run_tasks, book_refund
):
    day = date(2026, 3, 10)
    moved = {}
    for i, offset in enumerate((-1, 0, 1, 2)):
        payment = pay_card(multi_link, good_card(i)).payment
        moved[offset] = move_to(payment, day + timedelta(days=offset))
    run_tasks()
    book_refund(moved[-1], 100, day=day - timedelta(days=1))
    book_refund(moved[0], 200, day=day)
    book_refund(moved[1], 300, day=day + timedelta(days=1))
    book_refund(moved[2], 400, day=day + timedelta(days=2))
    span = {"start": day, "end": day + timedelta(days=1)}
    sales = download(logged_in, kind="sales_receipts", **span)
    assert [r["Payment"] for r in sales] == [moved[0].public_id, moved[1].public_id]
    refunds = download(logged_in, kind="refund_receipts", **span)
    assert [r["Amount"] for r in refunds] == ["2.00", "3.00"]
    payments = download(logged_in, kind="payments", **span)
    assert [r["Payment"] for r in payments] == [moved[0].public_id, moved[1].public_id]
    one_day = download(logged_in, kind="sales_receipts", start=day, end=day)
    assert [r["Payment"] for r in one_day] == [moved[0].public_id]


def test_the_payments_csv_has_status_fee_refunded_and_net(
    logged_in, multi_link, single_link, run_tasks, book_refund
):
    paid = pay_card(multi_link).payment
    pending = pay_bank(single_link).payment
    run_tasks()
    book_refund(paid, 250)
    today = timezone.localdate()
    rows = {r["Payment"]: r for r in download(logged_in, kind="payments", start=today, end=today)}
    row = rows[paid.public_id]
    assert row["Status"] == "Succeeded" and row["Amount"] == "12.50"
    assert row["Fee"] == "0.66" and row["Refunded"] == "2.50" and row["Net"] == "9.34"
    assert row["Sales receipt no."] == str(paid.receipt.number)
    assert row["Payment link"] == multi_link.public_id
    assert row["Payment method"] == "Visa •••• 4242"
    waiting = rows[pending.public_id]
    assert waiting["Status"] == "Pending" and waiting["Fee"] == "" and waiting["Net"] == ""
    assert waiting["Payment method"] == "Bank transfer •••• 6789"


def test_the_quickbooks_layout(logged_in, multi_link, run_tasks):
    payment = pay_card(multi_link, name="Jane Payer").payment
    run_tasks()
    today = timezone.localdate()
    response = logged_in.get(
        reverse("books:exports"),
        {"kind": "quickbooks", "start": today, "end": today, "deposit_to": "paylinks clearing"},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body, newline="")))
    assert header == [
        "RefNumber",
        "Customer",
        "TxnDate",
        "BankAccount",
        "PaymentMethod",
        "PaymentRefNumber",
        "PrivateNote",
        "Currency",
        "LineItem",
        "LineDesc",
        "LineQty",
        "LineUnitPrice",
        "LineAmount",
    ]
    (row,) = rows
    record = dict(zip(header, row, strict=True))
    assert record["RefNumber"] == str(payment.receipt.number)
    assert record["Customer"] == "Unspecified"  # a multi-use link's receipt names no customer
    assert record["TxnDate"] == today.isoformat()
    assert record["BankAccount"] == "paylinks clearing" and record["PaymentMethod"] == "Visa"
    assert record["PaymentRefNumber"] == payment.public_id
    assert record["LineItem"] == "Box of croissants" and "Jane Payer" in record["LineDesc"]
    assert record["LineAmount"] == record["LineUnitPrice"] == "12.50" and record["LineQty"] == "1"


def test_the_quickbooks_refunds_layout(logged_in, single_link, run_tasks, book_refund):
    payment = pay_card(single_link).payment
    run_tasks()
    receipt = book_refund(payment, 7500)
    today = timezone.localdate()
    response = logged_in.get(
        reverse("books:exports"),
        {"kind": "quickbooks_refunds", "start": today, "end": today, "deposit_to": "Chequing"},
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    (record,) = csv.DictReader(io.StringIO(body, newline=""))
    assert list(record)[:4] == ["RefNumber", "Customer", "TxnDate", "DepositToAccount"]
    assert record["RefNumber"] == str(receipt.number) and record["DepositToAccount"] == "Chequing"
    assert record["Customer"] == "Camille Tremblay" and record["TxnDate"] == today.isoformat()
    assert record["PaymentRefNumber"] == payment.public_id
    assert record["LineAmount"] == record["LineUnitPrice"] == "75.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "sales_receipts", "start": "2026-03-10", "end": "2026-03-09"}, "end"),
        ({"kind": "sales_receipts", "start": "2026-13-45", "end": "2026-03-09"}, "start"),
        ({"kind": "sales_receipts", "start": "2026-03-01", "end": ""}, "end"),
        ({"kind": "everything", "start": "2026-03-01", "end": "2026-03-02"}, "kind"),
        ({"kind": "quickbooks", "start": "2026-03-01", "end": "2026-03-02"}, "deposit_to"),
        ({"kind": "quickbooks_refunds", "start": "2026-03-01", "end": "2026-03-02"}, "deposit_to"),
        # The ends of the calendar: the day after 9999-12-31 does not exist (it was a 500).
        ({"kind": "payments", "start": "2026-03-01", "end": "9999-12-31"}, "end"),
        ({"kind": "payments", "start": "0001-01-01", "end": "2026-03-01"}, "start"),
    ],
)
def test_export_form_errors_name_their_field(logged_in, params, field):
    response = logged_in.get(reverse("books:exports"), params)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]
    page = response.content.decode()
    assert re.search(rf'id="field-{field}"[^>]*>', page) and "has-error" in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-01-01", "end": "2026-02-01", "by": "day"}, "at most 31 days"),
        ({"start": "2024-01-01", "end": "2026-01-01", "by": "month"}, "at most 24 months"),
        ({"start": "2026-02-01", "end": "2026-01-01", "by": "day"}, "on or after"),
        # The last month of the calendar has no next month (it was a 500).
        ({"start": "2026-12-01", "end": "9999-12-31", "by": "month"}, "Choose a date from"),
        ({"start": "2026-12-31", "end": "9999-12-31", "by": "day"}, "Choose a date from"),
    ],
)
def test_period_totals_ranges_are_capped_with_an_error_on_the_end(logged_in, params, message):
    response = logged_in.get(reverse("books:totals"), params)
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["end"]
    assert message in response.content.decode()


def page_totals(client, **params) -> dict[str, int]:
    response = client.get(reverse("books:totals"), {k: str(v) for k, v in params.items()})
    assert response.status_code == 200
    found = re.findall(r'data-(gross|refunds|fees|net)="(-?\d+)"', response.content.decode())
    return {name: int(value) for name, value in found}


@pytest.mark.parametrize("by", ["day", "month"])
def test_period_totals_match_the_csv_exports_to_the_cent(
    logged_in, merchant, multi_link, single_link, run_tasks, book_refund, by
):
    first = date(2026, 4, 29)  # across a month's end
    payments = [
        move_to(pay_card(multi_link, good_card(i)).payment, first + timedelta(days=i % 3))
        for i in range(5)
    ]
    big = move_to(pay_card(single_link).payment, first + timedelta(days=2))
    outside = move_to(pay_card(multi_link, good_card(9)).payment, first - timedelta(days=1))
    run_tasks()
    book_refund(payments[0], 333, day=first)
    book_refund(payments[1], 1250, day=first + timedelta(days=2))
    book_refund(big, 12345, day=first + timedelta(days=1))
    book_refund(outside, 100, day=first - timedelta(days=1))
    span = {"start": first, "end": first + timedelta(days=2)}

    totals = page_totals(logged_in, by=by, **span)
    sales = download(logged_in, kind="sales_receipts", **span)
    refunds = download(logged_in, kind="refund_receipts", **span)
    assert len(sales) == 6 and len(refunds) == 3
    assert totals["gross"] == cents(sales, "Amount") == 5 * 1250 + 30000
    assert (
        totals["fees"]
        == cents(sales, "Fee")
        == 5 * CARD_FEE_1250 + sandbox_fee(method="card", amount=30000)
    )
    assert totals["refunds"] == cents(refunds, "Amount") == 333 + 1250 + 12345
    assert totals["net"] == totals["gross"] - totals["refunds"] - totals["fees"]
    assert totals["net"] == cents(sales, "Amount") - cents(refunds, "Amount") - cents(sales, "Fee")


def test_period_totals_per_day_show_each_day(logged_in, multi_link, run_tasks):
    day = date(2026, 5, 4)
    move_to(pay_card(multi_link, good_card(1)).payment, day)
    move_to(pay_card(multi_link, good_card(2)).payment, day + timedelta(days=2))
    run_tasks()
    response = logged_in.get(
        reverse("books:totals"),
        {"start": day.isoformat(), "end": (day + timedelta(days=2)).isoformat(), "by": "day"},
    )
    rows = response.context["rows"]
    assert [(r.period, r.gross, r.fees) for r in rows] == [
        (day, 1250, CARD_FEE_1250),
        (day + timedelta(days=1), 0, 0),
        (day + timedelta(days=2), 1250, CARD_FEE_1250),
    ]


def test_the_books_pages_are_linked_from_the_receipts(logged_in):
    page = logged_in.get(reverse("receipts:list")).content.decode()
    for name in ("books:exports", "books:totals", "books:payouts"):
        assert f'href="{reverse(name)}"' in page


# -- API ----------------------------------------------------------------------------------


def test_api_payouts_and_the_payments_fee(client, merchant, multi_link, run_tasks):
    payment = move_to(pay_card(multi_link).payment, timezone.localdate() - timedelta(days=1))
    run_tasks()
    payouts_sandbox_make()
    api = Api(client, merchant)
    found = api.get(f"/payments/{payment.public_id}").json()
    assert (found["fee"], found["net"], found["amount_refunded"]) == (66, 1184, 0)
    listing = api.get("/payouts").json()
    assert listing["object"] == "list" and len(listing["data"]) == 1
    payout = listing["data"][0]
    assert payout["object"] == "payout" and payout["id"].startswith("po_")
    assert (payout["amount"], payout["gross"], payout["fees"], payout["refunds"]) == (
        1184,
        1250,
        66,
        0,
    )
    assert payout["payments_count"] == 1 and payout["arrival_date"] == str(timezone.localdate())
    assert api.get(f"/payouts/{payout['id']}").json() == payout
    stranger = Api(client, make_merchant(email="s@shop.test").merchant)
    assert stranger.get(f"/payouts/{payout['id']}").status_code == 404
    assert stranger.get("/payouts").json()["data"] == []


# -- Stripe (localstripe) -------------------------------------------------------------------


def test_a_stripe_payment_gets_its_fee_from_the_balance_transaction(
    stripe_merchant, localstripe, run_tasks
):
    from test_stripe import pay

    link = link_create(merchant=stripe_merchant, kind="multi", amount=2500, description="Tea")
    payment = pay(link, localstripe).payment
    assert payment.status == "succeeded" and payment.fee is None
    run_tasks()  # asks Stripe: PaymentIntent, latest_charge.balance_transaction expanded
    payment.refresh_from_db()
    # localstripe writes a balance transaction for each charge with a fee of 0 (Stripe's
    # own would carry its real fee): the fee is read from it, so it is known, and 0.
    assert payment.fee == 0 and payment.net == 2500


def test_stripe_payouts_are_read_and_stored_once(stripe_merchant, localstripe):
    from paylinks.books.services import payouts_sync
    from paylinks.processors.base import get_processor

    client = get_processor(stripe_merchant).client
    # localstripe only makes payouts on request (in EUR), and can create one already paid.
    made = client.v1.payouts.create({"amount": 4321, "currency": "eur", "status": "paid"})  # type: ignore[typeddict-unknown-key]
    assert payouts_sync(merchant=stripe_merchant) >= 1
    payout = Payout.objects.get(processor="stripe", processor_ref=made.id)
    assert (payout.merchant, payout.amount, payout.currency, payout.status) == (
        stripe_merchant,
        4321,
        "EUR",
        "paid",
    )
    # localstripe does not list balance transactions by payout: the contents stay unknown
    # (and are asked again at the next pass), the payout itself is stored once.
    assert not payout.payments.exists()
    assert payouts_sync(merchant=stripe_merchant) == 0
    assert Payout.objects.filter(processor_ref=made.id).count() == 1


def test_the_payouts_command_makes_the_sandbox_payouts_as_of_a_day(multi_link, capsys):
    from paylinks.cli import main

    payment = pay_card(multi_link).payment
    from paylinks.books.services import payment_fee_record

    payment_fee_record(payment=payment)
    assert main(["payouts"]) == 0  # today: this payment settled today waits
    assert "0 sandbox payouts made" in capsys.readouterr().out
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert main(["payouts", "--as-of", tomorrow.isoformat()]) == 0
    assert "1 sandbox payouts made" in capsys.readouterr().out
    payout = Payout.objects.get()
    assert payout.arrival_date == tomorrow and list(payout.payments.all()) == [payment]
    assert main(["payouts", "--as-of", "tomorrow"]) == 2


def test_the_books_pass_reads_a_shared_stripe_account_only_for_a_lone_merchant(
    stripe_merchant, localstripe
):
    from paylinks.books.services import books_pass
    from paylinks.processors.base import get_processor

    client = get_processor(stripe_merchant).client
    made = client.v1.payouts.create({"amount": 1234, "currency": "eur", "status": "paid"})  # type: ignore[typeddict-unknown-key]
    other = make_merchant(email="second@stripe.test").merchant  # the same instance account
    assert books_pass()["payouts_read"] == 0  # shared by two: nobody sees its payouts
    assert not Payout.objects.filter(processor_ref=made.id).exists()
    other.payments_account.status = "rejected"
    other.payments_account.save()
    assert books_pass()["payouts_read"] >= 1  # one business alone: its payouts
    assert Payout.objects.get(processor_ref=made.id).merchant == stripe_merchant


def test_a_pending_refund_is_not_refunded_in_the_exports(logged_in, multi_link):
    # Before: the exports' Refunded (and the payments' Net) counted a refund the processor
    # had not completed (no refund receipt yet, and this card's refunds then fail).
    from paylinks.receipts.refunds import refund_create

    payment = pay_card(multi_link, "4000000000005126").payment
    done = pay_card(multi_link, good_card(1)).payment
    Payment.objects.filter(pk__in=[payment.pk, done.pk]).update(fee=66)
    pending = refund_create(payment=payment, amount=500, reason="other", idempotency_key="p")
    assert pending.status == "pending"
    refund_create(payment=done, amount=200, reason="other", idempotency_key="d")
    today = timezone.localdate()
    sales = download(logged_in, kind="sales_receipts", start=today, end=today)
    assert {r["Payment"]: r["Refunded"] for r in sales} == {
        payment.public_id: "0.00",
        done.public_id: "2.00",
    }
    payments = download(logged_in, kind="payments", start=today, end=today)
    by_id = {r["Payment"]: (r["Refunded"], r["Net"]) for r in payments}
    assert by_id == {payment.public_id: ("0.00", "11.84"), done.public_id: ("2.00", "9.84")}
    assert cents(sales, "Refunded") == cents(
        download(logged_in, kind="refund_receipts", start=today, end=today), "Amount"
    )
