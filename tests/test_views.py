import re

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_merchant
from pay import pay_card, post_pay
from paylinks.checkout.models import Attempt, Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import PaymentsAccount, User


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_signup_login_logout(client, db):
    r = client.post(
        reverse("merchants:signup"),
        {
            "business_name": "Café Lune",
            "email": "Lune@Example.com",
            "password": PASSWORD,
            "locale": "fr",
            "currency": "CAD",
        },
    )
    assert r.status_code == 302
    user = User.objects.get(email="lune@example.com")
    assert user.password.startswith("argon2")
    assert user.merchant.business_name == "Café Lune"
    r = client.get(reverse("links:list"))
    assert "Demander" in text(r) or "Faire une demande" in text(r) or "Apply" in text(r)
    client.post(reverse("merchants:logout"))
    assert client.get(reverse("links:list")).status_code == 302
    r = client.post(
        reverse("merchants:login"), {"username": "lune@example.com", "password": PASSWORD}
    )
    assert r.status_code == 302 and r.cookies["django_language"].value == "fr"


def test_signup_errors_name_the_field_and_keep_input(client, db):
    r = client.post(
        reverse("merchants:signup"),
        {
            "business_name": "Café Lune",
            "email": "bad",
            "password": "123",
            "locale": "en",
            "currency": "CAD",
        },
    )
    assert r.status_code == 200
    form = r.context["form"]
    assert "email" in form.errors
    assert 'value="Café Lune"' in r.content.decode()
    assert not User.objects.exists()


def test_apply_for_payments_account_keeps_only_last_four(client, db):
    user = make_merchant(approved=False)
    client.force_login(user)
    r = client.get(reverse("links:list"))
    assert "You need a payments account" in text(r)
    r = client.post(
        reverse("merchants:payments_account"),
        {
            "legal_name": "Bakery & Co inc.",
            "country": "CA",
            "business_type": "corporation",
            "institution_number": "001",
            "transit_number": "00011",
            "account_number": "1234567890",
        },
    )
    assert r.status_code == 302
    account = PaymentsAccount.objects.get()
    assert account.status == "approved" and account.account_last4 == "7890"
    assert "1234567890" not in repr(account.__dict__)


def test_operator_approval_when_not_sandbox(client, db, stripe_settings):
    # A real processor (Stripe, on localstripe): applications wait for an operator.
    user = make_merchant(approved=False)
    client.force_login(user)
    client.post(
        reverse("merchants:payments_account"),
        {
            "legal_name": "X",
            "country": "CA",
            "business_type": "corporation",
            "institution_number": "001",
            "transit_number": "00011",
            "account_number": "1234567",
        },
    )
    account = PaymentsAccount.objects.get()
    assert account.status == "pending"
    from paylinks.merchants.services import payments_account_reject

    payments_account_reject(account=account, reason="Documents missing")
    r = client.get(reverse("merchants:payments_account"))
    assert "Documents missing" in text(r) and "Rejected" in text(r)


def test_create_multi_use_link_through_the_dashboard(logged_in, merchant):
    r = logged_in.get(reverse("links:new") + "?kind=multi")
    assert r.status_code == 302
    r = logged_in.post(
        reverse("links:create", args=["multi"]),
        {
            "amount": "1,234.50",
            "description": "Workshop",
            "show_business_name": "on",
            "allow_card": "on",
            "max_payments": "10",
        },
    )
    link = PaymentLink.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/{link.public_id}/")
    assert (link.amount, link.kind, link.max_payments) == (123450, "multi", 10)
    page = text(logged_in.get(r["Location"]))
    assert link.token in page and "$1,234.50" in page


def test_amount_in_french_and_errors_on_fields(logged_in, merchant):
    logged_in.cookies["django_language"] = "fr"
    r = logged_in.post(
        reverse("links:create", args=["single"]),
        {"amount": "12,505", "description": "Gâteau", "allow_card": "on"},
    )
    assert r.status_code == 200 and "amount" in r.context["form"].errors
    assert "Gâteau" in r.content.decode()
    r = logged_in.post(
        reverse("links:create", args=["single"]),
        {"amount": "12,50", "description": "Gâteau"},
    )
    assert "allow_card" in r.context["form"].errors
    r = logged_in.post(
        reverse("links:create", args=["single"]),
        {"amount": "12,50", "description": "Gâteau", "allow_card": "on"},
    )
    assert PaymentLink.objects.get().amount == 1250


def test_links_page_lists_filters_and_paginates(logged_in, merchant, single_link, multi_link):
    r = logged_in.get(reverse("links:list"))
    page = text(r)
    assert "Catering deposit" in page and "Box of croissants" in page
    assert "Send reminder" in page and "View issues" in page
    r = logged_in.get(reverse("links:list") + "?kind=multi")
    assert "Catering deposit" not in text(r)
    from paylinks.links.services import link_create

    for i in range(30):
        link_create(merchant=merchant, kind="multi", amount=100 + i, description=f"L{i:02}")
    r = logged_in.get(reverse("links:list"))
    assert len(r.context["page"].object_list) == 25
    assert "L29" in text(r) and "Catering deposit" not in text(r)
    r = logged_in.get(reverse("links:list") + r.context["page"].next_url)
    assert "Catering deposit" in text(r)


def test_edit_gone_once_used(logged_in, multi_link):
    detail = reverse("links:detail", args=[multi_link.public_id])
    edit = reverse("links:edit", args=[multi_link.public_id])
    assert edit in text(logged_in.get(detail))
    r = logged_in.post(edit, {"amount": "20.00", "description": "New", "allow_card": "on"})
    assert r.status_code == 302
    multi_link.refresh_from_db()
    pay_card(multi_link)
    assert edit not in text(logged_in.get(detail))
    r = logged_in.post(
        edit, {"amount": "1.00", "description": "Hack", "allow_card": "on"}, follow=True
    )
    assert "can no longer be edited" in text(r)
    multi_link.refresh_from_db()
    assert multi_link.amount == 2000


def test_deactivate_shows_customer_message(logged_in, client, multi_link):
    logged_in.post(reverse("links:deactivate", args=[multi_link.public_id]))
    multi_link.refresh_from_db()
    assert multi_link.status == "deactivated"
    r = client.get(multi_link.path)
    assert "not accepting payments" in text(r) and "<form" not in text(r).split("lang")[-1]


def test_another_merchants_link_is_404(client, multi_link, db):
    other = make_merchant(email="other@shop.test")
    client.force_login(other)
    for name in ("detail", "edit", "issues"):
        assert client.get(reverse(f"links:{name}", args=[multi_link.public_id])).status_code == 404
    for name in ("deactivate", "activate", "remind"):
        assert client.post(reverse(f"links:{name}", args=[multi_link.public_id])).status_code == 404


def test_hosted_page_pays_and_shows_receipt(client, multi_link):
    r = client.get(multi_link.path, HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9")
    page = r.content.decode()
    assert "12,50" in page and "Bakery &amp; Co" in page
    for ac in ("name", "email", "cc-number", "cc-exp", "cc-csc"):
        assert f'autocomplete="{ac}"' in page
    # Card fields have no name: the form never posts them, the sandbox's endpoint gets them.
    assert 'name="amount"' not in page and 'name="card_number"' not in page
    r = post_pay(client, multi_link, "4242 4242 4242 4242", fields={"amount": "1"})
    page = text(client.get(r["Location"], follow=True))
    assert "Visa •••• 4242" in page and "$12.50" in page
    payment = Payment.objects.get()
    assert payment.amount == 1250 and payment.receipt.number == 1


def test_hosted_page_decline_keeps_details_but_not_card(client, multi_link):
    r = post_pay(client, multi_link, "4000000000000002", fields={"name": "Jane Payer"})
    page = r.content.decode()
    assert "declined" in page and 'value="Jane Payer"' in page
    assert "4000000000000002" not in page
    assert Attempt.objects.get().failure_code == "card_declined"


def test_hosted_page_field_errors(client, multi_link):
    r = post_pay(client, multi_link, fields={"email": "nope", "payment_token": ""})
    errors = r.context["form"].errors
    assert "method" in errors and "email" in errors
    assert not Attempt.objects.exists()
    # The summary at the top links to each field in error.
    assert 'href="#id_email"' in r.content.decode()


def test_hosted_page_delivery_address(client, merchant):
    from paylinks.links.services import link_create

    link = link_create(
        merchant=merchant, kind="multi", amount=4500, description="Cake", collect_delivery=True
    )
    r = post_pay(client, link)
    assert "delivery_line1" in r.context["form"].errors
    post_pay(
        client,
        link,
        fields={
            "delivery_line1": "1 Main St",
            "delivery_city": "Laval",
            "delivery_region": "QC",
            "delivery_postal_code": "H7N 1A1",
            "delivery_country": "CA",
        },
    )
    payment = Payment.objects.get()
    assert payment.delivery_status == "to_deliver" and payment.delivery_city == "Laval"


def test_mark_delivered(logged_in, merchant):
    from paylinks.links.services import link_create

    link = link_create(
        merchant=merchant, kind="multi", amount=4500, description="Cake", collect_delivery=True
    )
    pay_card(link)
    payment = Payment.objects.get()
    logged_in.post(reverse("checkout:delivered", args=[payment.public_id]))
    payment.refresh_from_db()
    assert payment.delivery_status == "delivered"


def test_paid_single_use_link_shows_status_page(client, single_link):
    pay_card(single_link)
    r = client.get(single_link.path)
    assert "already been paid" in text(r) and 'name="payment_token"' not in text(r)


def test_unknown_token_is_404(client, db):
    assert client.get("/l/nope").status_code == 404


def test_issues_page_lists_failed_attempts(logged_in, multi_link):
    pay_card(multi_link, "4000000000009995", name="Broke Buyer")
    pay_card(multi_link)
    r = logged_in.get(reverse("links:issues", args=[multi_link.public_id]))
    page = text(r)
    assert "Broke Buyer" in page and "insufficient funds" in page
    assert "Jane Payer" not in page


def test_receipts_pages(logged_in, multi_link):
    receipt = pay_card(multi_link, name="Jane Payer").payment.receipt
    r = logged_in.get(reverse("receipts:list"))
    assert "Unspecified" in text(r)
    r = logged_in.get(reverse("receipts:detail", args=[receipt.public_id]))
    page = text(r)
    assert "Sales receipt no. 1" in page and "Jane Payer" in page and "$12.50" in page


def test_reminder_email(logged_in, single_link, run_tasks):
    from django.core import mail

    logged_in.post(reverse("links:remind", args=[single_link.public_id]))
    run_tasks()
    assert [m.to for m in mail.outbox] == [["camille@example.com"]]
    assert single_link.token in mail.outbox[0].body


@pytest.mark.parametrize("lang,amount", [("fr", "300,00"), ("en", "$300.00")])
def test_hosted_page_language(client, single_link, lang, amount):
    r = client.get(single_link.path, HTTP_ACCEPT_LANGUAGE=lang)
    assert amount in r.content.decode()


def test_static_files_are_served(client, db):
    page = client.get("/login/").content.decode()
    css = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
    js = re.search(r'src="(/static/[^"]+\.js)"', page).group(1)
    for url in (css, js):
        r = client.get(url)
        assert r.status_code == 200, url
        assert b"".join(r.streaming_content if r.streaming else [r.content])


def test_sharing_qr_social_and_buy_button(logged_in, multi_link, single_link):
    detail = text(logged_in.get(reverse("links:detail", args=[multi_link.public_id])))
    assert "facebook.com/sharer" in detail and "x.com/intent/post" in detail
    assert "&lt;a href=&quot;http" in detail and multi_link.token in detail  # escaped snippet
    svg = logged_in.get(reverse("links:qr", args=[multi_link.public_id]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    png = logged_in.get(reverse("links:qr", args=[multi_link.public_id]) + "?format=png")
    assert png.content.startswith(b"\x89PNG")
    single = text(logged_in.get(reverse("links:detail", args=[single_link.public_id])))
    assert "facebook.com/sharer" not in single  # only multi-use links are posted publicly


def test_qr_code_decodes_to_the_link(logged_in, multi_link, settings):
    import io

    import zxingcpp
    from PIL import Image

    png = logged_in.get(reverse("links:qr", args=[multi_link.public_id]) + "?format=png")
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))]
    assert decoded == [settings.BASE_URL + multi_link.path]


def test_password_change(logged_in, user):
    url = reverse("merchants:password_change")
    r = logged_in.post(url, {"old_password": "wrong", "new_password1": "x", "new_password2": "x"})
    assert r.status_code == 200 and "old_password" in r.context["form"].errors
    new = "another-horse-staple-77"
    r = logged_in.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new) and user.password.startswith("argon2")
    assert user.merchant.audit_events.filter(action="password_changed").exists()


def test_expired_and_capped_links_show_a_status_page(client, merchant):
    import datetime

    from django.utils import timezone

    from paylinks.links.services import link_create

    expired = link_create(
        merchant=merchant,
        kind="multi",
        amount=100,
        description="Old",
        inactive_message="See you next season!",
    )
    PaymentLink.objects.filter(pk=expired.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = text(client.get(expired.path))
    assert "This link has expired." in page and "See you next season!" in page
    assert 'name="payment_token"' not in page
    capped = link_create(
        merchant=merchant, kind="multi", amount=100, description="Once", max_payments=1
    )
    pay_card(capped)
    page = text(client.get(capped.path))
    assert "maximum number of payments" in page and 'name="payment_token"' not in page
    r = client.post(capped.path, {"name": "Late", "email": "l@example.com", "method": "card"})
    assert "maximum number of payments" in text(r)
    assert Payment.objects.filter(link=capped).count() == 1


def test_hosted_page_query_count(client, multi_link, django_assert_max_num_queries):
    # The link, its merchant and its payments account: one query for the whole page.
    with django_assert_max_num_queries(1):
        assert client.get(multi_link.path).status_code == 200


def test_a_dropped_connection_finds_its_result(client, multi_link, single_link):
    """Issue 7.1: a customer whose connection dropped while the payment went through could
    not learn it was taken, and paid again. Opening the link again now says so."""
    from pay import stuck_attempt

    r = post_pay(client, multi_link)  # the answer (a redirect) is lost with the connection
    assert r.status_code == 302 and Payment.objects.count() == 1
    page = text(client.get(multi_link.path))
    assert "Your payment of $12.50 was received." in page and "See your receipt" in page
    # Paying from that page is a new checkout: a deliberate second payment is possible.
    post_pay(client, multi_link, page=page)
    assert Payment.objects.count() == 2
    # A payment still with the processor: the page follows it instead of taking another.
    page = client.get(single_link.path).content.decode()
    nonce = client.cookies["paylinks_checkout"].value
    stuck_attempt(single_link, checkout=nonce)
    r = client.get(single_link.path)
    assert r.status_code == 302 and nonce in r["Location"]
    assert "being processed" in text(client.get(r["Location"]))
