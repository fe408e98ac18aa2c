"""Business rules live in the services, not in templates (item 13 of issue 7), and the
admin either only looks or goes through the services and the audit log."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from conftest import make_merchant
from pay import pay_bank
from paylinks.checkout.models import Payment
from paylinks.checkout.services import payment_mark_delivered
from paylinks.links.services import link_create, link_deactivate, link_update
from paylinks.merchants.models import AuditEvent, Merchant, PaymentsAccount, User
from paylinks.merchants.services import (
    payments_account_apply,
    payments_account_approve,
    payments_account_reject,
)


def test_only_a_succeeded_payment_is_marked_delivered(merchant):
    link = link_create(
        merchant=merchant,
        kind="multi",
        amount=2500,
        description="Jam",
        allow_bank_transfer=True,
        collect_delivery=True,
    )
    payment = pay_bank(link).payment
    assert (payment.status, payment.delivery_status) == ("pending", "to_deliver")
    with pytest.raises(ValidationError) as e:
        payment_mark_delivered(payment=payment)
    assert e.value.code == "not_succeeded"
    payment.refresh_from_db()
    assert payment.delivery_status == "to_deliver"
    assert not AuditEvent.objects.filter(action="payment_delivered").exists()

    Payment.objects.filter(pk=payment.pk).update(status="succeeded")
    payment_mark_delivered(payment=payment)
    payment.refresh_from_db()
    assert payment.delivery_status == "delivered"
    with pytest.raises(ValidationError):
        payment_mark_delivered(payment=payment)  # once


def test_only_an_active_link_is_edited(merchant, multi_link):
    link_deactivate(link=multi_link)
    with pytest.raises(ValidationError) as e:
        link_update(link=multi_link, amount=99_999)
    assert e.value.code == "link_inactive"
    multi_link.refresh_from_db()
    assert multi_link.amount == 1250


def test_account_decisions_follow_the_rules(db, stripe_settings):
    # A real processor (Stripe, on localstripe): applications wait for an operator.
    merchant = make_merchant(approved=False).merchant
    account = payments_account_apply(
        merchant=merchant,
        legal_name="Bakery inc.",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="7654321",
    )
    with pytest.raises(ValidationError) as e:
        payments_account_reject(account=account, reason="  ")
    assert "rejection_reason" in e.value.error_dict
    approved = payments_account_approve(account=account)
    assert approved.status == "approved"
    with pytest.raises(ValidationError):
        payments_account_approve(account=account)  # already
    with pytest.raises(ValidationError):
        payments_account_reject(account=account, reason="Changed my mind")  # not under review
    account.refresh_from_db()
    assert account.status == "approved"
    assert AuditEvent.objects.filter(action="account_approved").count() == 1


@pytest.fixture
def operator(client, db):
    user = User.objects.create_superuser("ops@paylinks.test", "ops-password-2026")
    client.force_login(user)
    return user


def test_the_admin_cannot_edit_merchants_or_move_users(client, operator):
    owner = make_merchant()
    other = make_merchant(email="other@shop.test", business_name="Other")
    r = client.post(
        reverse("admin:merchants_merchant_change", args=[owner.merchant_id]),
        {"business_name": "Renamed", "locale": "fr", "currency": "EUR"},
    )
    assert r.status_code == 403
    r = client.post(
        reverse("admin:merchants_user_change", args=[owner.pk]),
        {"email": owner.email, "merchant": other.merchant_id, "locale": "en", "is_active": "on"},
    )
    assert r.status_code == 403
    for name in ("merchant", "user"):
        assert client.get(reverse(f"admin:merchants_{name}_add")).status_code == 403
        assert client.get(reverse(f"admin:merchants_{name}_changelist")).status_code == 200
    assert client.get(reverse("admin:merchants_user_change", args=[owner.pk])).status_code == 200
    owner.refresh_from_db()
    assert owner.merchant_id != other.merchant_id and owner.is_active
    assert Merchant.objects.get(pk=owner.merchant_id).business_name == "Bakery & Co"


def test_the_admin_decides_through_the_services_and_the_audit_log(
    client, operator, stripe_settings
):
    # A real processor (Stripe, on localstripe): applications wait for an operator.
    merchant = make_merchant(approved=False).merchant
    account = payments_account_apply(
        merchant=merchant,
        legal_name="Bakery inc.",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="7654321",
    )
    url = reverse("admin:merchants_paymentsaccount_change", args=[account.pk])
    client.post(url, {"status": "approved", "rejection_reason": ""})
    account.refresh_from_db()
    assert account.status == "approved"
    event = AuditEvent.objects.get(action="account_approved")
    assert event.actor == "ops@paylinks.test"

    # Back under review, or rejected once approved: refused, nothing changes.
    for status in ("pending", "rejected"):
        r = client.post(url, {"status": status, "rejection_reason": "No"})
        assert r.status_code == 200 and "status" in r.context["adminform"].form.errors
        account.refresh_from_db()
        assert account.status == "approved"
    assert client.post(reverse("admin:merchants_paymentsaccount_add"), {}).status_code == 403
    r = client.post(
        reverse("admin:merchants_paymentsaccount_delete", args=[account.pk]), {"post": "yes"}
    )
    assert r.status_code == 403
    assert PaymentsAccount.objects.filter(pk=account.pk).exists()
