"""CSV exports for the accountant: sales receipts, refund receipts, payments, and sales
and refund receipts in the layout QuickBooks Online importers read.

Format (documented in the README, "Exports and payouts"):
- UTF-8 with a byte-order mark (Excel then reads accents right), comma-separated, CRLF
  line ends, every field quoted when needed (RFC 4180, Python's csv module);
- headers in the merchant's language (the QuickBooks layout keeps its importer's names);
- amounts as decimals with a dot and as many decimals as the currency has minor units
  (``1234.50`` for CAD, USD, EUR; ``1234`` for JPY), no thousands separator, never
  negative (a refund receipt's amount is what was given back); an unknown fee is empty;
- dates ``YYYY-MM-DD``, times ``YYYY-MM-DD HH:MM:SS`` in the site's time zone;
- a text cell that a spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab,
  carriage return first) starts with an apostrophe.
Rows stream out as they are read (``selectors._keyset``: a few thousand rows at a time),
so an export of a million rows holds only one page of them in memory.
"""

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.books import selectors
from paylinks.checkout.models import Method, Payment
from paylinks.merchants.models import Merchant
from paylinks.money import minor_digits, to_major

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
KINDS = ("sales_receipts", "refund_receipts", "payments", "quickbooks", "quickbooks_refunds")


class _Line:
    """A file-like object whose write returns what it was given (csv.writer → one line)."""

    def write(self, value: str) -> str:
        return value


def text(value: str | None) -> str:
    """A text cell, defused for spreadsheets."""
    value = value or ""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def decimal(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    return f"{to_major(amount, currency):.{minor_digits(currency)}f}"


def local_time(value: datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def iso(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _stream(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield BOM + writer.writerow(header)
    batch: list[str] = []
    for row in rows:
        batch.append(writer.writerow(row))
        if len(batch) >= 500:  # fewer, larger chunks for the server to send
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _receipt_header() -> list[str]:
    """The columns of what sales and refund receipts share (the abstract ``Receipt``)."""
    return [
        _("Customer"),
        _("Customer email"),
        _("Description"),
        _("Product or service"),
        _("Payment method"),
        _("Currency"),
        _("Amount"),
    ]


def _receipt_cells(r: dict[str, Any], unspecified: str) -> list[str]:
    """A receipt's cells under ``_receipt_header``, from ``selectors.RECEIPT_FIELDS``."""
    return [
        text(r["customer_name"] or unspecified),
        text(r["customer_email"]),
        text(r["description"]),
        text(r["line_description"]),
        text(r["payment_method"]),
        r["currency"],
        decimal(r["amount"], r["currency"]),
    ]


def _sales_receipts(merchant: Merchant, start: date, end: date, **extra: str) -> Iterator[str]:
    header = [
        _("No."),
        _("Date"),
        *_receipt_header(),
        _("Fee"),
        _("Net"),
        _("Refunded"),
        _("Payment"),
        _("Sales receipt"),
    ]
    unspecified = _("Unspecified")

    def rows() -> Iterator[list[str]]:
        for r in selectors.export_sales_receipts(merchant=merchant, start=start, end=end):
            cur, fee = r["currency"], r["payment__fee"]
            yield [
                str(r["number"]),
                iso(r["date"]),
                *_receipt_cells(r, unspecified),
                decimal(fee, cur),
                decimal(None if fee is None else r["amount"] - fee, cur),
                decimal(r["refunded"], cur),
                r["payment__public_id"],
                r["public_id"],
            ]

    return _stream(header, rows())


def _refund_receipts(merchant: Merchant, start: date, end: date, **extra: str) -> Iterator[str]:
    header = [
        _("No."),
        _("Date"),
        _("Sales receipt no."),
        *_receipt_header(),
        _("Payment"),
        _("Refund receipt"),
    ]
    unspecified = _("Unspecified")

    def rows() -> Iterator[list[str]]:
        for r in selectors.export_refund_receipts(merchant=merchant, start=start, end=end):
            yield [
                str(r["number"]),
                iso(r["date"]),
                str(r["sales_receipt__number"]),
                *_receipt_cells(r, unspecified),
                r["refund__payment__public_id"],
                r["public_id"],
            ]

    return _stream(header, rows())


def _payments(merchant: Merchant, start: date, end: date, **extra: str) -> Iterator[str]:
    header = [
        _("Payment"),
        _("Created"),
        _("Status"),
        _("Payment method"),
        _("Name"),
        _("Email"),
        _("Currency"),
        _("Amount"),
        _("Fee"),
        _("Refunded"),
        _("Net"),
        _("Settled"),
        _("Sales receipt no."),
        _("Payout"),
        _("Payment link"),
    ]
    statuses = {value: str(label) for value, label in Payment.Status.choices}

    def method(r: dict[str, Any]) -> str:
        if r["method"] == Method.CARD:
            return f"{r['card_brand']} •••• {r['card_last4']}"
        return f"{Method.BANK_TRANSFER.label} •••• {r['bank_last4']}"

    def rows() -> Iterator[list[str]]:
        for r in selectors.export_payments(merchant=merchant, start=start, end=end):
            cur, fee = r["currency"], r["fee"]
            net = None if fee is None else r["amount"] - fee - r["refunded"]
            yield [
                r["public_id"],
                local_time(r["created_at"]),
                statuses.get(r["status"], r["status"]),
                text(method(r)),
                text(r["payer_name"]),
                text(r["payer_email"]),
                cur,
                decimal(r["amount"], cur),
                decimal(fee, cur),
                decimal(r["refunded"], cur),
                decimal(net, cur),
                local_time(r["settled_at"]),
                "" if r["receipt__number"] is None else str(r["receipt__number"]),
                r["payout__public_id"] or "",
                r["link__public_id"],
            ]

    return _stream(header, rows())


# The sales-receipt fields of QuickBooks Online importers (Transaction Pro's names; see the
# README): one row per receipt, whose single line is the link's product or service.
QUICKBOOKS_HEADER = [
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


def _quickbooks(
    merchant: Merchant, start: date, end: date, deposit_to: str = "", **extra: str
) -> Iterator[str]:
    unspecified = _("Unspecified")

    def rows() -> Iterator[list[str]]:
        for r in selectors.export_sales_receipts(merchant=merchant, start=start, end=end):
            cur, amount = r["currency"], decimal(r["amount"], r["currency"])
            yield [
                str(r["number"]),
                text((r["customer_name"] or unspecified)[:100]),
                iso(r["date"]),
                text(deposit_to),
                text(r["payment_method"].split(" •")[0][:31]),
                r["payment__public_id"][:31],
                text(r["description"]),
                cur,
                text(r["line_description"][:100]),
                text(r["description"]),
                "1",
                amount,
                amount,
            ]

    return _stream(QUICKBOOKS_HEADER, rows())


# Refund receipts for the same importers: the account is the one refunds are paid from
# (Transaction Pro's ``DepositToAccount``, "Refund From").
QUICKBOOKS_REFUNDS_HEADER = [
    "DepositToAccount" if h == "BankAccount" else h for h in QUICKBOOKS_HEADER
]


def _quickbooks_refunds(
    merchant: Merchant, start: date, end: date, deposit_to: str = "", **extra: str
) -> Iterator[str]:
    unspecified = _("Unspecified")

    def rows() -> Iterator[list[str]]:
        for r in selectors.export_refund_receipts(merchant=merchant, start=start, end=end):
            amount = decimal(r["amount"], r["currency"])
            yield [
                str(r["number"]),
                text((r["customer_name"] or unspecified)[:100]),
                iso(r["date"]),
                text(deposit_to),
                text(r["payment_method"].split(" •")[0][:31]),
                r["refund__payment__public_id"][:31],
                text(r["description"]),
                r["currency"],
                text(r["line_description"][:100]),
                text(r["description"]),
                "1",
                amount,
                amount,
            ]

    return _stream(QUICKBOOKS_REFUNDS_HEADER, rows())


WRITERS: dict[str, Callable[..., Iterator[str]]] = {
    "sales_receipts": _sales_receipts,
    "refund_receipts": _refund_receipts,
    "payments": _payments,
    "quickbooks": _quickbooks,
    "quickbooks_refunds": _quickbooks_refunds,
}


def export_csv(
    *, merchant: Merchant, kind: str, start: date, end: date, deposit_to: str = ""
) -> Iterator[str]:
    """The lines of one export, as they are read (headers in the merchant's language)."""
    with translation.override(merchant.locale):
        lines = WRITERS[kind](merchant, start, end, deposit_to=deposit_to)

    def in_language() -> Iterator[str]:
        # Each chunk is made in the merchant's language, even though the server pulls
        # them one at a time (after the view has returned).
        while True:
            with translation.override(merchant.locale):
                chunk = next(lines, None)
            if chunk is None:
                return
            yield chunk

    return in_language()


def export_filename(*, kind: str, start: date, end: date) -> str:
    return f"{kind.replace('_', '-')}-{start.isoformat()}-{end.isoformat()}.csv"
