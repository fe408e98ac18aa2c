from django.urls import reverse

from conftest import make_merchant
from paylinks.merchants.models import PaymentsAccount, User
from paylinks.merchants.services import payments_account_apply


def test_operator_rejects_with_a_reason_then_approves(client, db, stripe_settings):
    # A real processor (Stripe, on localstripe): applications wait for an operator.
    merchant = make_merchant(approved=False).merchant
    account = payments_account_apply(
        merchant=merchant,
        legal_name="Bakery & Co inc.",
        country="CA",
        business_type="corporation",
        institution_number="001",
        transit_number="00011",
        account_number="7654321",
    )
    assert account.status == "pending"
    operator = User.objects.create_superuser("ops@paylinks.test", "ops-password-2026")
    client.force_login(operator)
    url = reverse("admin:merchants_paymentsaccount_change", args=[account.pk])
    page = client.get(url).content.decode()
    assert "4321" in page and "7654321" not in page

    r = client.post(url, {"status": "rejected", "rejection_reason": ""})
    assert r.status_code == 200 and "Give the merchant a reason" in r.content.decode()
    account.refresh_from_db()
    assert account.status == "pending"

    client.post(url, {"status": "rejected", "rejection_reason": "ID missing"})
    account.refresh_from_db()
    assert (account.status, account.rejection_reason) == ("rejected", "ID missing")
    assert account.decided_at is not None

    client.post(
        reverse("admin:merchants_paymentsaccount_changelist"),
        {"action": "approve", "_selected_action": [account.pk]},
    )
    account.refresh_from_db()
    assert account.status == "approved" and account.rejection_reason == ""
    assert PaymentsAccount.objects.get(merchant=merchant).merchant.can_take_payments


def test_operators_can_look_at_links_payments_and_receipts_but_not_change_them(client, db):
    from pay import pay_card
    from paylinks.links.services import link_create

    merchant = make_merchant().merchant
    link = link_create(merchant=merchant, kind="multi", amount=100, description="Look")
    payment = pay_card(link).payment
    client.force_login(User.objects.create_superuser("ops@paylinks.test", "ops-password-2026"))
    for model, obj in [
        ("links_paymentlink", link),
        ("checkout_payment", payment),
        ("checkout_attempt", payment.attempt),
        ("receipts_salesreceipt", payment.receipt),
    ]:
        assert client.get(reverse(f"admin:{model}_changelist")).status_code == 200
        page = client.get(reverse(f"admin:{model}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert client.post(reverse(f"admin:{model}_change", args=[obj.pk]), {}).status_code == 403
        assert link.token not in page.content.decode()
