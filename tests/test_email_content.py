"""What the payment emails say and look like: HTML with a text alternative, Reply-To,
subjects with the amount, French typography (issue 10)."""

import re

from pay import pay_bank, pay_card
from test_notifications import smtp  # noqa: F401 (a fixture)


def plain(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def subject(message) -> str:
    """The decoded subject (a folded encoded-word header decodes with a leading space)."""
    return message["Subject"].strip()


def by_to(messages) -> dict:
    return {m["To"]: m for m in messages}


def test_receipt_email_html_reply_to_and_french_typography(smtp, multi_link, run_tasks):  # noqa: F811
    pay_card(multi_link, name="Olivier Payeur", email="olivier@example.com", language="fr")
    run_tasks()
    mail = by_to(smtp.messages)
    customer, owner = mail["olivier@example.com"], mail["owner@bakery.test"]
    assert customer["Reply-To"] == "owner@bakery.test"  # the business answers, not no-reply
    assert owner["Reply-To"] == "olivier@example.com"
    assert subject(customer) == "Bakery & Co\u00a0: reçu de votre paiement de 12,50\u00a0$"
    assert subject(owner) == "Payment received: $12.50, paid by Olivier Payeur"
    text = plain(customer)
    assert "Reçu de vente nº\u00a01" in text and "#" not in text
    page = html(customer)
    assert '<html lang="fr">' in page and "Bakery &amp; Co</td>" in page
    assert "Reçu de vente nº\u00a01" in page
    assert re.search(r'<a href="http://[^"]+/r/', page) or "http" in page


def test_pending_and_failed_transfer_emails_say_what_happened(
    smtp,  # noqa: F811
    single_link,
    run_tasks,
    settings,
):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    pay_bank(single_link, account="000111111116", name="Olivier Virement")  # fails at settlement
    run_tasks()
    subjects = [subject(m) for m in smtp.messages]
    assert "Bakery & Co: your bank transfer of $300.00 is being processed" in subjects
    assert "Bank transfer pending: $300.00, sent by Olivier Virement" in subjects
    pending = next(m for m in smtp.messages if "being processed" in m["Subject"])
    assert "Bank transfer being processed" in plain(pending).splitlines()  # not "Receipt"
    assert "Receipt" not in plain(pending)
    failed = next(m for m in smtp.messages if "did not go through" in m["Subject"])
    assert subject(failed) == "Bakery & Co: your bank transfer of $300.00 did not go through"
    text = plain(failed)
    assert "Your bank transfer of $300.00 to Bakery & Co did not go through." in text.splitlines()
    assert "completed: The" not in text  # no run-on of two sentences


def test_french_merchant_email_has_no_de_before_a_vowel(smtp, settings, run_tasks, db):  # noqa: F811
    from conftest import make_merchant
    from paylinks.links.services import link_create

    user = make_merchant(email="atelier@example.com", business_name="Atelier", locale="fr")
    link = link_create(merchant=user.merchant, kind="multi", amount=1000, description="Tasse")
    pay_card(link, name="Olivier", email="olivier@example.com", language="fr")
    run_tasks()
    for message in smtp.messages:
        for part in (subject(message), plain(message)):
            assert not re.search(r"\bde [AEIOUYÉÈaeiouyé]", part), part
            assert not re.search(r" [:;!?»]", part), part  # French spaces are no-break
