"""A sales receipt as a PDF (fpdf2, pure Python), in French or English: business, number,
date, customer and payer, the line (the link's description), total, method, and the
delivery address when one was collected."""

import unicodedata

from babel import Locale
from django.utils import formats, translation
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.money import babel_locale, format_money, site_language
from paylinks.receipts.models import RefundReceipt, SalesReceipt

# The PDF's built-in fonts cover Latin-1; these few characters are written as their
# nearest Latin-1 look-alikes (French text and CLDR amounts use them).
_LATIN1 = str.maketrans(
    {
        "\u202f": "\u00a0",  # narrow no-break space
        "\u2009": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u2022": "*",
    }
)


def _t(text: str) -> str:
    return text.translate(_LATIN1).encode("latin-1", "replace").decode("latin-1")


def country_name(code: str, language: str) -> str:
    """``CA`` -> ``Canada``; an unknown code is returned as it is."""
    if not code:
        return ""
    return Locale.parse(babel_locale(language)).territories.get(code.upper(), code)


def delivery_lines(payment: Payment, language: str) -> list[str]:
    """The delivery address as printed on an envelope, with the country's name."""
    if not payment.delivery_line1:
        return []
    city = " ".join(
        p
        for p in (payment.delivery_city, payment.delivery_region, payment.delivery_postal_code)
        if p
    )
    lines = [payment.delivery_line1, city, country_name(payment.delivery_country, language)]
    return [line for line in lines if line]


def _document(
    *, business: str, title: str, facts: list[tuple[str, str]], line: str, amount: str
) -> bytes:
    """One receipt page (in the active language): business, title, facts, one line, total."""
    # Imported here, not with the module: fpdf2 (and fontTools) take ~40 MB, which a web
    # process only needs once someone downloads a receipt (the task worker, for emails).
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(_t(title))
    pdf.set_author(_t(business))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, _t(business), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 14)
    pdf.cell(0, 9, _t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in facts:
        if not value:
            continue
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(50, 6, _t(label))
        pdf.set_font("helvetica", "", 10)
        text = _t(value)
        if "\n" not in text and pdf.get_string_width(text) < pdf.epw - 50 - 2 * pdf.c_margin:
            # One line: fpdf2's line breaking (most of a receipt's cost) is not needed.
            pdf.cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 10)
    pdf.set_fill_color(238, 242, 246)
    pdf.cell(130, 8, _t(_("Product or service")), border="B", fill=True)
    pdf.cell(0, 8, _t(_("Amount")), border="B", fill=True, align="R")
    pdf.ln()
    pdf.set_font("helvetica", "", 10)
    pdf.cell(130, 8, _t(line[:90]))
    pdf.cell(0, 8, _t(amount), align="R")
    pdf.ln()
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(130, 9, _t(_("Total")), border="T")
    pdf.cell(0, 9, _t(amount), border="T", align="R")
    pdf.ln()
    return bytes(pdf.output())


def receipt_pdf(*, receipt: SalesReceipt, language: str) -> bytes:
    language = site_language(language)
    payment = receipt.payment
    with translation.override(language):
        address = delivery_lines(payment, language)
        return _document(
            business=receipt.merchant.business_name,
            title=_("Sales receipt no. %(number)s") % {"number": receipt.number},
            facts=[
                (_("Date"), formats.date_format(receipt.date, "DATE_FORMAT")),
                (_("Customer"), receipt.customer_display),
                (_("Paid by"), f"{payment.payer_name} · {payment.payer_email}"),
                (_("Payment method"), receipt.payment_method),
                (_("Description"), receipt.description),
                (_("Delivery address"), "\n".join(address)),
            ],
            line=receipt.line_description,
            amount=format_money(receipt.amount, receipt.currency, language),
        )


def refund_receipt_pdf(*, receipt: RefundReceipt, language: str) -> bytes:
    """A refund receipt: what was given back, on which sales receipt."""
    language = site_language(language)
    payment = receipt.refund.payment
    with translation.override(language):
        sales = _("Sales receipt no. %(number)s") % {"number": receipt.sales_receipt.number}
        return _document(
            business=receipt.merchant.business_name,
            title=_("Refund receipt no. %(number)s") % {"number": receipt.number},
            facts=[
                (_("Date"), formats.date_format(receipt.date, "DATE_FORMAT")),
                (_("Customer"), receipt.customer_display),
                (_("Refunded to"), f"{payment.payer_name} · {payment.payer_email}"),
                (_("Payment method"), receipt.payment_method),
                (_("Original sale"), sales),
                (_("Reason"), receipt.refund.get_reason_display()),
                (_("Description"), receipt.description),
            ],
            line=receipt.line_description,
            amount=format_money(receipt.amount, receipt.currency, language),
        )


def receipt_pdf_filename(receipt: SalesReceipt, language: str) -> str:
    """``receipt-4.pdf`` / ``recu-4.pdf`` (ASCII, safe in any mail client's header)."""
    with translation.override(site_language(language)):
        word = unicodedata.normalize("NFKD", _("receipt")).encode("ascii", "ignore").decode()
    return f"{word}-{receipt.number}.pdf"


def refund_receipt_pdf_filename(receipt: RefundReceipt, language: str) -> str:
    """``refund-receipt-2.pdf`` / ``recu-de-remboursement-2.pdf`` (ASCII)."""
    with translation.override(site_language(language)):
        word = _("refund-receipt")
    word = unicodedata.normalize("NFKD", word).encode("ascii", "ignore").decode()
    return f"{word}-{receipt.number}.pdf"
