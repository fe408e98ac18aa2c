"""Receipts: the link named by its description, the delivery address with the country's
name, and the PDF (dashboard, customer, email attachment) in both languages."""

import re
import zlib

from django.urls import reverse

from pay import pay_card
from paylinks.links.services import link_create
from test_notifications import smtp  # noqa: F401 (a fixture)


def pdf_text(data: bytes) -> str:
    """The text drawn by a PDF's content streams (fpdf2 writes them deflated, Latin-1)."""
    assert data.startswith(b"%PDF-")
    out = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        for s in re.findall(rb"\((.*?)(?<!\\)\)\s*Tj", content, re.S):
            out.append(s.replace(rb"\(", b"(").replace(rb"\)", b")").decode("latin-1"))
    return "\n".join(out)


def delivered_link(merchant):
    return link_create(
        merchant=merchant,
        kind="multi",
        amount=4200,
        description="Coffret de thés",
        collect_delivery=True,
    )


def test_receipt_names_the_link_by_its_description(logged_in, multi_link):
    receipt = pay_card(multi_link).payment.receipt
    assert "Box of croissants" in receipt.description
    assert multi_link.public_id not in receipt.description
    page = logged_in.get(reverse("receipts:detail", args=[receipt.public_id])).content.decode()
    assert "Sales receipt no. 1" in page and "#1" not in page


def test_receipt_page_and_pdf_with_delivery_address(logged_in, merchant):
    receipt = pay_card(delivered_link(merchant), name="Olivier Payeur").payment.receipt
    page = logged_in.get(reverse("receipts:detail", args=[receipt.public_id])).content.decode()
    assert "Canada" in page and "1 Main St" in page
    assert reverse("receipts:pdf", args=[receipt.public_id]) in page
    r = logged_in.get(reverse("receipts:pdf", args=[receipt.public_id]))
    assert r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    for expected in ("Bakery & Co", "Sales receipt no. 1", "Olivier Payeur", "Coffret de th"):
        assert expected in text, (expected, text)
    assert "$42.00" in text and "Canada" in text and "Montr" in text


def test_customer_pdf_in_french_by_payment_token(client, merchant):
    payment = pay_card(delivered_link(merchant), language="fr").payment
    r = client.get(f"/r/{payment.token}/receipt.pdf", HTTP_ACCEPT_LANGUAGE="fr")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content)
    assert "Reçu de vente nº\u00a01" in text and "42,00\u00a0$" in text
    assert "Adresse de livraison" in text and "Canada" in text
    assert client.get("/r/not-a-token/receipt.pdf").status_code == 404
    other = client.get(reverse("receipts:pdf", args=[payment.receipt.public_id]))
    assert other.status_code == 302  # the dashboard's copy needs a login


def test_receipt_email_carries_the_pdf(smtp, multi_link, run_tasks):  # noqa: F811
    pay_card(multi_link, email="olivier@example.com", language="fr")
    run_tasks()
    customer = next(m for m in smtp.messages if m["To"] == "olivier@example.com")
    [attachment] = list(customer.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "recu-1.pdf"
    assert "Reçu de vente nº\u00a01" in pdf_text(attachment.get_content())
    owner = next(m for m in smtp.messages if m["To"] == "owner@bakery.test")
    assert list(owner.iter_attachments()) == []
