"""Property-based tests: whatever a customer or a merchant types, never a 500, never a
payment of another amount than the link's."""

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink

FIELDS = [
    "name",
    "email",
    "method",
    "card_number",
    "card_exp",
    "card_cvc",
    "card_postal_code",
    "bank_holder",
    "bank_institution",
    "bank_transit",
    "bank_account",
    "amount",
    "currency",
    "delivery_line1",
]
text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "card",
            "bank_transfer",
            "4242424242424242",
            "12/31",
            "123",
            "0",
            "-1",
            "1e9",
            "NaN",
            "999999999999",
            "001",
            "00011",
            "a@b.co",
            "\x00",
        ]
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), text, max_size=len(FIELDS)))
def test_hosted_page_never_500_never_another_amount(multi_link: PaymentLink, data):
    r = Client().post(multi_link.path, data)
    assert r.status_code in (200, 302)
    assert set(Payment.objects.values_list("amount", flat=True)) <= {multi_link.amount}


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    amount=st.text(max_size=30),
    description=st.text(max_size=60),
    max_payments=st.one_of(st.text(max_size=6), st.integers(-5, 10**12).map(str)),
)
def test_link_form_never_500(logged_in, amount, description, max_payments):
    from django.urls import reverse

    r = logged_in.post(
        reverse("links:create", args=["multi"]),
        {
            "amount": amount,
            "description": description,
            "allow_card": "on",
            "max_payments": max_payments,
        },
    )
    assert r.status_code in (200, 302)
    if r.status_code == 302:
        link = PaymentLink.objects.order_by("-id").first()
        assert link.amount > 0
