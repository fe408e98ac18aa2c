from django.urls import reverse

from conftest import make_merchant
from paylinks.merchants.models import PaymentsAccount, User
from paylinks.merchants.services import payments_account_apply


def test_operator_rejects_with_a_reason_then_approves(client, db, settings):
    settings.PROCESSOR = "stripe"  # not the sandbox: applications wait for an operator
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
