"""What people type on the merchant side: one line where a field is one line (item 8 of
issue 7: a CR/LF in a name forged a line in emails), and never longer or larger than its
column (item 9: long input made 500s), in the forms and in the services alike."""

import sys
import unicodedata

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import PASSWORD, make_merchant
from pay import pay_card
from paylinks.checkout.models import Payment
from paylinks.core.forms import SingleLineField
from paylinks.core.models import FailureEvent
from paylinks.core.text import is_single_line, single_line
from paylinks.links.models import MAX_PAYMENTS_LIMIT, PaymentLink
from paylinks.links.services import link_create, link_update
from paylinks.merchants.models import AuditEvent, Merchant, PaymentsAccount, User
from paylinks.merchants.services import merchant_signup, payments_account_apply

FORGED = "Camille\r\nBcc: victim@attacker.test\u2028To: x@attacker.test\x85Cc: y@attacker.test"
BREAKERS = [
    chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Zl", "Zp")
]


def no_forged_lines(text: str) -> bool:
    return not any(
        line.strip().lower().startswith(("bcc:", "to:", "cc:")) for line in text.splitlines()
    )


# ---- item 8: one line -------------------------------------------------------------------


def test_single_line_removes_every_control_character_and_line_separator():
    assert len(BREAKERS) == 65 + 2  # C0, DEL, C1; U+2028, U+2029
    for ch in BREAKERS:
        assert single_line(f"a{ch}b") == "a b", hex(ord(ch))
        assert single_line(f"a {ch}{ch} b") == "a b", hex(ord(ch))
    assert single_line("a\r\n\r\nb") == "a b"
    assert single_line(FORGED).splitlines() == [single_line(FORGED)]


@given(st.text())
def test_single_line_keeps_everything_else(text):
    result = single_line(text)
    assert is_single_line(result) and len(result.splitlines()) <= 1
    assert not any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in result)
    if not any(c in BREAKERS for c in text):
        assert result == text  # right-to-left marks, emoji, no-break spaces: as typed


def test_single_line_field_applies_it_before_the_length():
    field = SingleLineField(max_length=9)
    assert field.clean("  a\r\nb\u2029c  ") == "a b c"
    with pytest.raises(ValidationError):
        field.clean("a" * 10)


def test_merchant_side_forms_store_one_line(client, db, run_tasks):
    r = client.post(
        reverse("merchants:signup"),
        {
            "business_name": "Bakery\r\nBcc: victim@attacker.test",
            "email": "one@line.test",
            "password": PASSWORD,
            "locale": "en",
            "currency": "CAD",
        },
    )
    assert r.status_code == 302
    merchant = Merchant.objects.get(users__email="one@line.test")
    assert merchant.business_name == "Bakery Bcc: victim@attacker.test"
    r = client.post(
        reverse("merchants:payments_account"),
        {
            "legal_name": "Bakery inc.\nBcc: victim@attacker.test",
            "country": "CA",
            "business_type": "corporation",
            "institution_number": "001",
            "transit_number": "00011",
            "account_number": "123456789",
        },
    )
    assert r.status_code == 302
    assert PaymentsAccount.objects.get(merchant=merchant).legal_name == (
        "Bakery inc. Bcc: victim@attacker.test"
    )
    r = client.post(
        reverse("links:create", args=["single"]),
        {
            "amount": "10.00",
            "description": "Cake\r\nBcc: victim@attacker.test",
            "customer_name": FORGED,
            "customer_email": "camille@example.com",
            "allow_card": "on",
            "inactive_message": "Closed\nBcc: victim@attacker.test",
        },
    )
    assert r.status_code == 302, r.context["form"].errors
    link = PaymentLink.objects.get(merchant=merchant)
    for value in (link.description, link.customer_name, link.inactive_message):
        assert is_single_line(value), value
    client.post(reverse("links:remind", args=[link.public_id]))
    run_tasks()
    assert mail.outbox and all(no_forged_lines(m.body) for m in mail.outbox)


def test_services_store_one_line_without_a_form(db):
    """The CLI and the API call the services directly: they clean too."""
    user = make_merchant(business_name="Shop\r\nBcc: victim@attacker.test", approved=False)
    assert user.merchant.business_name == "Shop Bcc: victim@attacker.test"
    account = payments_account_apply(
        merchant=user.merchant,
        legal_name="Shop inc.\u2028Bcc: victim@attacker.test",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="123456789",
    )
    assert account.legal_name == "Shop inc. Bcc: victim@attacker.test"
    link = link_create(
        merchant=Merchant.objects.get(pk=user.merchant_id),
        kind="single",
        amount=100,
        description="Cake\nBcc: victim@attacker.test",
        customer_name=FORGED,
        inactive_message="x\x00y",
    )
    assert [link.description, link.customer_name, link.inactive_message] == [
        "Cake Bcc: victim@attacker.test",
        single_line(FORGED),
        "x y",
    ]
    link = link_update(link=link, customer_name="A\rB")
    assert link.customer_name == "A B"


def test_emails_show_a_stored_name_on_one_line(db, multi_link, run_tasks):
    """Defence in depth: a name stored with a line break (before this fix, or by a path
    that forgot to clean it) still cannot add a line to an email."""
    payment = pay_card(multi_link).payment
    Payment.objects.filter(pk=payment.pk).update(payer_name=FORGED)
    Merchant.objects.filter(pk=multi_link.merchant_id).update(business_name=FORGED)
    PaymentLink.objects.filter(pk=multi_link.pk).update(description=FORGED)
    run_tasks()
    assert len(mail.outbox) >= 2  # the customer's receipt and the merchant's notice
    for message in mail.outbox:
        assert no_forged_lines(message.body), message.body
        assert "\n" not in message.subject and "\r" not in message.subject


# ---- item 9: limits before the database ------------------------------------------------

LONG_EMAIL = "x@" + ".".join(["a" * 60] * 5) + ".com"  # valid, 310 characters
SIGNUP_EMAIL = "s" * 64 + "@" + "d" * 50 + ".test"  # valid, 120 characters


def assert_every_value_fits_its_column() -> None:
    """What the database would refuse (PostgreSQL) or keep too long (SQLite)."""
    for model in (Merchant, User, PaymentsAccount, AuditEvent, PaymentLink, FailureEvent):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField) and field.max_length:
                for value in model.objects.values_list(field.attname, flat=True):
                    assert len(value or "") <= field.max_length, (model.__name__, field.name)
            if isinstance(field, models.PositiveIntegerField):
                for value in model.objects.values_list(field.attname, flat=True):
                    assert value is None or 0 <= value <= 2**31 - 1, (model.__name__, field.name)


def test_max_payments_past_a_32_bit_integer_is_a_field_error(logged_in, merchant):
    for value in (str(2**31), str(2**63), "9" * 40):
        r = logged_in.post(
            reverse("links:create", args=["multi"]),
            {"amount": "10.00", "description": "Big", "allow_card": "on", "max_payments": value},
        )
        assert r.status_code == 200 and "max_payments" in r.context["form"].errors
    r = logged_in.post(
        reverse("links:create", args=["multi"]),
        {
            "amount": "10.00",
            "description": "Big",
            "allow_card": "on",
            "max_payments": str(MAX_PAYMENTS_LIMIT),
        },
    )
    assert r.status_code == 302
    with pytest.raises(ValidationError) as e:
        link_create(merchant=merchant, kind="multi", amount=1, description="x", max_payments=2**31)
    assert set(e.value.error_dict) == {"max_payments"}
    assert_every_value_fits_its_column()


def test_customer_email_longer_than_its_column_is_a_field_error(logged_in, merchant):
    r = logged_in.post(
        reverse("links:create", args=["single"]),
        {
            "amount": "10.00",
            "description": "Cake",
            "allow_card": "on",
            "customer_email": LONG_EMAIL,
        },
    )
    assert r.status_code == 200 and "customer_email" in r.context["form"].errors
    with pytest.raises(ValidationError) as e:
        link_create(
            merchant=merchant, kind="single", amount=1, description="x", customer_email=LONG_EMAIL
        )
    assert set(e.value.error_dict) == {"customer_email"}
    assert not PaymentLink.objects.exists()


def test_signup_with_a_long_email_is_audited_whole(client, db):
    r = client.post(
        reverse("merchants:signup"),
        {
            "business_name": "Long",
            "email": SIGNUP_EMAIL,
            "password": PASSWORD,
            "locale": "en",
            "currency": "CAD",
        },
    )
    assert r.status_code == 302
    assert AuditEvent.objects.get(action="signup").target == SIGNUP_EMAIL
    r = client.post(
        reverse("merchants:signup"),
        {
            "business_name": "Longer",
            "email": LONG_EMAIL,
            "password": PASSWORD,
            "locale": "en",
            "currency": "CAD",
        },
    )
    assert r.status_code == 200 and "email" in r.context["form"].errors
    with pytest.raises(ValidationError) as e:
        merchant_signup(
            business_name="x" * 201,
            email=LONG_EMAIL,
            password=PASSWORD,
            locale="en",
            currency="CAD",
        )
    assert set(e.value.error_dict) == {"email", "business_name"}
    assert_every_value_fits_its_column()


def test_a_long_login_name_is_counted_without_overflowing_the_key(client, db, user):
    name = "n" * 200 + "@example.com"
    for _ in range(6):
        r = client.post(reverse("merchants:login"), {"username": name, "password": "nope"})
        assert r.status_code == 200
    assert "Too many failed attempts" in r.content.decode()
    assert_every_value_fits_its_column()


def test_payments_account_service_checks_what_the_form_offers(db):
    merchant = make_merchant(approved=False).merchant
    with pytest.raises(ValidationError) as e:
        payments_account_apply(
            merchant=merchant,
            legal_name="L" * 201,
            country="Canada",
            business_type="empire",
            institution_number="٠٠١",  # Arabic-Indic digits: str.isdigit() says yes
            transit_number="０００１１",  # full-width
            account_number="1" * 13,
        )
    assert set(e.value.error_dict) == {
        "legal_name",
        "country",
        "business_type",
        "institution_number",
        "transit_number",
        "account_number",
    }
    assert not PaymentsAccount.objects.exists()


# Property-based: whatever is posted to a merchant-side form, never a 500, and nothing
# stored longer or larger than its column.

text = st.one_of(
    st.text(max_size=30),
    st.text(min_size=90, max_size=400),
    st.sampled_from(
        [
            "",
            "10.00",
            "0",
            "-1",
            str(2**31 - 1),
            str(2**31),
            str(2**63),
            "9" * 30,
            "2031-12-31",
            "99999-01-01",
            "single",
            "multi",
            "on",
            "CA",
            "corporation",
            "001",
            "00011",
            "123456789",
            "+1 514 555 0100",
            LONG_EMAIL,
            SIGNUP_EMAIL,
            "a\r\nBcc: x@y.z",
            "\x00",
        ]
    ),
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

LINK_FIELDS = [
    "amount",
    "description",
    "allow_card",
    "allow_bank_transfer",
    "customer_name",
    "customer_email",
    "customer_phone",
    "expires_on",
    "max_payments",
    "inactive_message",
]


def fields(names: list[str]):
    return st.dictionaries(st.sampled_from(names), text, max_size=len(names))


@pytest.mark.django_db
@HYPOTHESIS
@given(data=fields(["business_name", "email", "password", "locale", "currency"]))
def test_signup_never_500(data):
    r = Client().post(reverse("merchants:signup"), data)
    assert r.status_code in (200, 302)
    assert_every_value_fits_its_column()


@pytest.mark.django_db
@HYPOTHESIS
@given(data=fields(["username", "password"]))
def test_login_never_500(user, data):
    r = Client().post(reverse("merchants:login"), data)
    assert r.status_code in (200, 302)
    r = Client().post(reverse("admin:login"), data)
    assert r.status_code in (200, 302)
    assert_every_value_fits_its_column()


@pytest.mark.django_db
@HYPOTHESIS
@given(
    data=fields(
        [
            "legal_name",
            "country",
            "business_type",
            "institution_number",
            "transit_number",
            "account_number",
        ]
    ),
    old=text,
    new=text,
)
def test_payments_account_and_password_change_never_500(data, old, new):
    client = Client()
    client.force_login(make_merchant(email=f"u{User.objects.count()}@x.test", approved=False))
    assert client.post(reverse("merchants:payments_account"), data).status_code in (200, 302)
    r = client.post(
        reverse("merchants:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )
    assert r.status_code in (200, 302)
    assert_every_value_fits_its_column()


@pytest.mark.django_db
@HYPOTHESIS
@given(kind=st.sampled_from(["single", "multi"]), data=fields(LINK_FIELDS), query=text)
def test_link_create_edit_and_list_filters_never_500(logged_in, merchant, kind, data, query):
    r = logged_in.post(reverse("links:create", args=[kind]), data)
    assert r.status_code in (200, 302)
    link = link_create(merchant=merchant, kind=kind, amount=100, description="Edit me")
    r = logged_in.post(reverse("links:edit", args=[link.public_id]), data)
    assert r.status_code in (200, 302)
    for url in (reverse("links:list"), reverse("receipts:list"), reverse("merchants:activity")):
        params = {"status": query, "kind": query, "page": query, "q": query}
        assert logged_in.get(url, params).status_code == 200
    assert_every_value_fits_its_column()
