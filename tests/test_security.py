"""Security of the dashboard and the public pages: headers, CSRF, throttling, tenant
isolation, hostile text, secrets never stored or logged, the audit log."""

import logging
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import PASSWORD, make_merchant
from pay import pay_bank, pay_card, post_pay
from paylinks.api.services import apikey_create
from paylinks.checkout.models import Payment
from paylinks.links.services import link_create
from paylinks.merchants.models import AuditEvent
from paylinks.receipts.models import Payout
from paylinks.receipts.refunds import refund_create
from paylinks.webhooks.services import endpoint_create


def test_security_headers_and_cookies(logged_in, multi_link):
    r = logged_in.get(reverse("links:list"))
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    hosted = Client().get(multi_link.path)
    assert hosted["Referrer-Policy"] == "same-origin" and hosted["Cache-Control"] == "no-store"
    # No inline script anywhere on our pages (the policy would block it).
    for page in (r.content.decode(), hosted.content.decode()):
        assert not re.search(r"<script(?![^>]*\bsrc=)", page)
        assert " style=" not in page and "onclick" not in page


def test_session_cookie_flags(client, db, settings):
    make_merchant()
    r = client.post(
        reverse("merchants:login"), {"username": "owner@bakery.test", "password": PASSWORD}
    )
    cookie = r.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_hsts_when_served_over_https(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    r = client.get("/login/", secure=True)
    assert r["Strict-Transport-Security"].startswith("max-age=31536000")


def test_csrf_is_enforced(db, multi_link):
    strict = Client(enforce_csrf_checks=True)
    r = strict.post(multi_link.path, {"name": "x"})
    assert r.status_code == 403
    r = strict.post(reverse("merchants:login"), {"username": "a", "password": "b"})
    assert r.status_code == 403


def test_a_forms_csrf_token_is_fresh_on_every_page_and_accepted(db, user):
    """Pages draw their form's token with core/csrf.py (the template context's
    ``csrf_token``): masked afresh on every render, and checked by Django's middleware."""
    import re

    strict = Client(enforce_csrf_checks=True)
    login = reverse("merchants:login")
    pages = [strict.get(login).content.decode() for _ in range(2)]
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', p)[1] for p in pages]
    assert tokens[0] != tokens[1] and all(len(t) == 64 for t in tokens)
    r = strict.post(
        login,
        {"username": user.email, "password": PASSWORD, "csrfmiddlewaretoken": tokens[0]},
    )
    assert r.status_code == 302  # logged in: the token was Django's to check
    assert strict.post(login, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_login_throttling_locks_out(client, db, settings):
    settings.LOGIN_MAX_FAILURES = 3
    make_merchant()
    for _ in range(3):
        r = client.post(
            reverse("merchants:login"), {"username": "owner@bakery.test", "password": "nope"}
        )
        assert r.status_code == 200
    r = client.post(
        reverse("merchants:login"), {"username": "owner@bakery.test", "password": PASSWORD}
    )
    assert r.status_code == 200 and "Too many failed attempts" in r.content.decode()
    assert "_auth_user_id" not in client.session
    events = AuditEvent.objects.filter(action="login_failed")
    assert events.count() >= 3


def test_successful_login_resets_the_count(client, db, settings):
    settings.LOGIN_MAX_FAILURES = 3
    make_merchant()
    login = reverse("merchants:login")
    for _ in range(2):
        client.post(login, {"username": "owner@bakery.test", "password": "nope"})
    assert (
        client.post(login, {"username": "owner@bakery.test", "password": PASSWORD}).status_code
        == 302
    )
    client.post(reverse("merchants:logout"))
    for _ in range(2):
        client.post(login, {"username": "owner@bakery.test", "password": "nope"})
    assert (
        client.post(login, {"username": "owner@bakery.test", "password": PASSWORD}).status_code
        == 302
    )


def _merchant_urls():
    """Every dashboard route that takes an object's id, from the URL configuration itself."""

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{p.namespace}:" if p.namespace else ""
                yield from walk(p.url_patterns, prefix + ns)
            elif isinstance(p, URLPattern) and p.name and "public_id" in p.pattern.regex.groupindex:
                yield prefix + p.name

    return sorted(set(walk(get_resolver().url_patterns)))


def test_tenant_isolation_every_id_route_answers_404(client, db):
    victim = make_merchant(email="victim@shop.test").merchant
    endpoint = endpoint_create(merchant=victim, url="http://127.0.0.1:9/", enabled_events=["*"])
    link = link_create(
        merchant=victim, kind="multi", amount=100, description="Secret", collect_delivery=True
    )
    payment = pay_card(link).payment
    refunded = refund_create(
        payment=payment, amount=10, reason="other", idempotency_key="k", requested_by=None
    )
    ids = {
        "refunds": payment.public_id,
        "refunds:detail": refunded.receipt.public_id,
        "refunds:pdf": refunded.receipt.public_id,
        "links": link.public_id,
        "receipts": payment.receipt.public_id,
        "checkout": payment.public_id,
        "apikeys": apikey_create(merchant=victim)[0].public_id,
        "webhooks": endpoint.public_id,
        "webhooks:resend": endpoint.deliveries.first().public_id,
        "books": Payout.objects.create(
            merchant=victim,
            processor="sandbox",
            processor_ref="po_sbx_victim",
            amount=100,
            currency="CAD",
            status="paid",
            arrival_date=payment.created_at.date(),
        ).public_id,
    }
    names = _merchant_urls()
    assert {
        "links:detail",
        "links:edit",
        "links:qr",
        "receipts:detail",
        "checkout:delivered",
        "refunds:payment",
        "refunds:refund",
        "refunds:detail",
        "books:payout",
    } <= set(names)
    client.force_login(make_merchant(email="attacker@shop.test"))
    for name in names:
        url = reverse(name, kwargs={"public_id": ids.get(name) or ids[name.split(":")[0]]})
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url).status_code == 404, url
    payment.refresh_from_db()
    link.refresh_from_db()
    assert payment.delivery_status == "to_deliver" and link.is_active
    endpoint.refresh_from_db()
    assert endpoint.is_active and victim.api_keys.get().revoked_at is None
    assert payment.amount_refunded == 10  # no refund by another merchant


HOSTILE = [
    '<script>alert("x")</script>',
    "Robert'); DROP TABLE links;--",
    "\u202eevil\u202c ‮ RTL",
    "Café 🍰🎂 «crème»",
    '"><img src=x onerror=alert(1)>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_stored_as_typed_and_shown_escaped(client, db, text, run_tasks):
    from django.core import mail

    user = make_merchant(email="h@shop.test", business_name=text)
    link = link_create(merchant=user.merchant, kind="multi", amount=100, description=text)
    assert link.description == text and user.merchant.business_name == text
    page = client.get(link.path).content.decode()
    assert text not in page or "<" not in text  # never raw
    assert "<script>alert" not in page and "<img src=x" not in page
    r = post_pay(client, link, fields={"name": text, "email": "e@example.com"})
    r = client.get(r["Location"], follow=True)
    assert "<script>alert" not in r.content.decode()
    payment = Payment.objects.get()
    assert payment.payer_name == text
    client.force_login(user)
    for url in (
        reverse("links:list"),
        reverse("links:detail", args=[link.public_id]),
        reverse("links:issues", args=[link.public_id]),
        reverse("receipts:list"),
        reverse("receipts:detail", args=[payment.receipt.public_id]),
    ):
        body = client.get(url).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
    run_tasks()
    assert any(text in m.body for m in mail.outbox)  # plain-text emails carry it as typed


def test_oversized_text_gets_a_field_error_and_nothing_is_stored(logged_in, merchant):
    r = logged_in.post(
        reverse("links:create", args=["multi"]),
        {"amount": "10.00", "description": "x" * 10_000, "allow_card": "on"},
    )
    assert r.status_code == 200 and "description" in r.context["form"].errors
    r = logged_in.post(
        reverse("merchants:signup"),
        {
            "business_name": "y" * 10_000,
            "email": "big@example.com",
            "password": PASSWORD,
            "locale": "en",
            "currency": "CAD",
        },
    )
    assert r.status_code == 200 and "business_name" in r.context["form"].errors


SECRETS = [
    "4242424242424242",
    "4000000000000002",
    "4000000000009995",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
    "5555555555554444",
    "000111111116",
    "987654321",
]


def test_no_card_or_account_number_in_database_or_logs(
    client, multi_link, caplog, run_tasks, settings
):
    settings.SANDBOX_SETTLE_SECONDS = settings.SETTLEMENT_CHECK_SECONDS = 0
    caplog.set_level(logging.DEBUG)
    for number in SECRETS[:7]:
        client.post(
            multi_link.path,
            {
                "name": "P",
                "email": "p@example.com",
                "method": "card",
                "card_number": number,
                "card_exp": "12/31",
                "card_cvc": "123",
                "card_postal_code": "H2X1Y4",
            },
        )
    for account in SECRETS[7:]:
        client.post(
            multi_link.path,
            {
                "name": "P",
                "email": "p@example.com",
                "method": "bank_transfer",
                "bank_holder": "P",
                "bank_institution": "001",
                "bank_transit": "00011",
                "bank_account": account,
            },
        )
    pay_bank(multi_link, account="000111111116")
    run_tasks()
    from django.db import connection

    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall())
            for secret in SECRETS:
                assert secret not in dump, (table, secret)
    logs = caplog.text
    for secret in SECRETS:
        assert secret not in logs


def test_audit_log_shows_who_did_what_from_where(logged_in, merchant):
    r = logged_in.post(
        reverse("links:create", args=["multi"]),
        {"amount": "10.00", "description": "Audit me", "allow_card": "on"},
        REMOTE_ADDR="198.51.100.4",
    )
    link_id = r["Location"].rstrip("/").split("/")[-1]
    logged_in.post(reverse("links:deactivate", args=[link_id]), REMOTE_ADDR="198.51.100.4")
    page = logged_in.get(reverse("merchants:activity")).content.decode()
    assert "Created a payment link" in page and "Deactivated a payment link" in page
    assert "198.51.100.4" in page and "owner@bakery.test" in page and link_id in page
    other = make_merchant(email="other@shop.test")
    logged_in.force_login(other)
    assert "Audit me" not in logged_in.get(reverse("merchants:activity")).content.decode()
    assert link_id not in logged_in.get(reverse("merchants:activity")).content.decode()


@pytest.mark.parametrize("processor", ["sandbox", "stripe"])
def test_payment_page_scripts_and_headers(client, db, processor, request):
    """PCI DSS 6.4.3/11.6.1: the payment page loads only inventoried scripts, no inline
    script, and keeps its security headers; the same check runs against a deployment."""
    from paylinks.checkout.page_check import SCRIPTS, problems, scripts_of

    if processor == "stripe":
        merchant = request.getfixturevalue("stripe_merchant")  # connected on localstripe
        settings = request.getfixturevalue("stripe_settings")
        settings.STRIPE_JS_URL = "https://js.stripe.com/v3/"  # the page as in production
        settings.STRIPE_API_BASE = "https://api.stripe.com"
    else:
        merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="multi", amount=100, description="x")
    r = client.get(link.path)
    html = r.content.decode()
    assert problems(html, dict(r.headers)) == []
    expected = {"stripe": "https://js.stripe.com/v3/", "sandbox": "/static/paylinks/sandbox.js"}
    assert expected[processor] in scripts_of(html)
    csp = r["Content-Security-Policy"]
    if processor == "stripe":
        assert "https://js.stripe.com" in csp and "https://api.stripe.com" in csp
    else:
        assert "stripe" not in csp
    # A script added to the page, or a header dropped, is noticed.
    assert problems(html + '<script src="https://cdn.example/x.js"></script>', dict(r.headers))
    assert problems(html, {k: v for k, v in r.headers.items() if k != "Cache-Control"})
    assert set(SCRIPTS) >= {"/static/paylinks/checkout.js"}


def test_a_dashboard_action_is_audited_as_its_user_from_their_address(logged_in, user, multi_link):
    """The audit log's actor is the logged-in user and the client's address, looked up only
    when something is recorded (most requests record nothing)."""
    from django.urls import reverse

    from paylinks.merchants.models import AuditEvent

    r = logged_in.post(
        reverse("links:deactivate", args=[multi_link.public_id]), REMOTE_ADDR="203.0.113.9"
    )
    assert r.status_code == 302
    event = AuditEvent.objects.filter(action="link_deactivated").get()
    assert (event.actor, event.ip, event.target) == (
        user.email,
        "203.0.113.9",
        multi_link.public_id,
    )
