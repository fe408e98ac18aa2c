import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import make_merchant
from pay import pay_bank, pay_card, stuck_attempt
from paylinks.links.models import PaymentLink
from paylinks.links.selectors import link_list
from paylinks.links.services import link_activate, link_create, link_deactivate, link_update


def errors_of(exc: pytest.ExceptionInfo) -> dict:
    return exc.value.message_dict


def test_no_links_without_an_approved_payments_account(db):
    user = make_merchant(approved=False)
    with pytest.raises(ValidationError) as e:
        link_create(merchant=user.merchant, kind="multi", amount=100, description="x")
    assert "payments account" in " ".join(e.value.messages)


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10**12}, "amount"),
        ({"description": "   "}, "description"),
        ({"allow_card": False, "allow_bank_transfer": False}, "allow_card"),
        ({"expires_on": datetime.date(2000, 1, 1)}, "expires_on"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"customer_phone": "12"}, "customer_phone"),
        ({"max_payments": 3}, "max_payments"),
    ],
)
def test_bad_single_use_fields_are_named(merchant, changes, field):
    kwargs = {"merchant": merchant, "kind": "single", "amount": 100, "description": "Cake"}
    with pytest.raises(ValidationError) as e:
        link_create(**(kwargs | changes))
    assert field in errors_of(e)
    assert not PaymentLink.objects.exists()


def test_multi_use_link_names_no_customer(merchant):
    with pytest.raises(ValidationError) as e:
        link_create(
            merchant=merchant, kind="multi", amount=100, description="x", customer_name="Al"
        )
    assert "customer_name" in errors_of(e)
    with pytest.raises(ValidationError) as e:
        link_create(merchant=merchant, kind="multi", amount=100, description="x", max_payments=0)
    assert "max_payments" in errors_of(e)


def test_created_link_has_merchant_currency_random_token_and_phone_in_e164(merchant):
    link = link_create(
        merchant=merchant,
        kind="single",
        amount=2599,
        description="Special order",
        customer_phone="(514) 555-0199",
    )
    assert link.currency == "CAD"
    assert link.public_id.startswith("plink_")
    assert len(link.token) >= 32  # 192 bits, URL-safe base64
    assert link.customer_phone == "+15145550199"
    assert link.status == "active"


def test_statuses(single_link, multi_link):
    assert single_link.status == "active"
    link_deactivate(link=single_link)
    assert single_link.status == "deactivated"
    link_activate(link=single_link)
    assert single_link.status == "active"
    PaymentLink.objects.filter(pk=multi_link.pk).update(
        expires_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    multi_link.refresh_from_db()
    assert multi_link.status == "expired"
    assert list(link_list(merchant=multi_link.merchant, status="expired")) == [multi_link]
    assert list(link_list(merchant=multi_link.merchant, status="active")) == [single_link]


def test_single_use_link_is_paid_once(single_link):
    attempt = pay_card(single_link)
    assert attempt.outcome == "succeeded"
    single_link.refresh_from_db()
    assert single_link.status == "paid"
    assert list(link_list(merchant=single_link.merchant, status="paid")) == [single_link]
    from paylinks.checkout.services import PaymentRefused

    with pytest.raises(PaymentRefused) as e:
        pay_card(single_link)
    assert e.value.code == "inactive"
    assert single_link.payments.count() == 1


def test_bank_transfer_holds_single_use_link_in_processing(single_link):
    pay_bank(single_link)
    single_link.refresh_from_db()
    assert single_link.status == "processing"


def test_edit_only_while_unused(multi_link):
    link_update(link=multi_link, amount=1500, description="Box of 8 croissants")
    multi_link.refresh_from_db()
    assert (multi_link.amount, multi_link.description) == (1500, "Box of 8 croissants")
    pay_card(multi_link)
    with pytest.raises(ValidationError) as e:
        link_update(link=multi_link, amount=1)
    assert e.value.code == "link_used"
    multi_link.refresh_from_db()
    assert multi_link.amount == 1500


def test_failed_attempt_does_not_count_as_use(multi_link):
    pay_card(multi_link, "4000000000000002")
    link_update(link=multi_link, amount=999)
    multi_link.refresh_from_db()
    assert multi_link.amount == 999


def test_pending_transfer_counts_as_use(multi_link):
    pay_bank(multi_link)
    with pytest.raises(ValidationError):
        link_update(link=multi_link, description="changed")


def test_multi_use_limit(merchant):
    link = link_create(
        merchant=merchant, kind="multi", amount=500, description="Ticket", max_payments=2
    )
    pay_card(link)
    pay_card(link)
    link.refresh_from_db()
    assert link.status == "limit_reached"
    totals = link_list(merchant=merchant).get(pk=link.pk)
    assert (totals.payments_count, totals.amount_collected) == (2, 1000)


def test_list_newest_first_and_filtered_by_kind(single_link, multi_link):
    merchant = single_link.merchant
    assert list(link_list(merchant=merchant)) == [multi_link, single_link]
    assert list(link_list(merchant=merchant, kind="single")) == [single_link]


def test_no_edit_while_a_customer_is_paying(multi_link):
    stuck_attempt(multi_link)
    with pytest.raises(ValidationError):
        link_update(link=multi_link, amount=1)
