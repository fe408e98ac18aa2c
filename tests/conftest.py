import os

import pytest
from django.core.management import call_command

from paylinks.links.models import PaymentLink
from paylinks.links.services import link_create
from paylinks.merchants.models import Merchant, PaymentsAccount, User
from paylinks.merchants.services import (
    merchant_signup,
    payments_account_apply,
    payments_account_approve,
)

PASSWORD = "correct-horse-battery-9"


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    return f"paylinks database: {settings.DATABASES['default']['ENGINE']}"


@pytest.fixture
def run_tasks():
    """Run every task that is due, as `paylinks worker` would (tasks enqueued by tasks too)."""

    from unittest import mock

    from django_tasks_db.models import DBTaskResult

    def run() -> None:
        from paylinks.checkout.services import payments_settle_due

        payments_settle_due()  # the worker's periodic pass: pending payments that are due
        # The worker closes connections between tasks; inside a test's transaction it must not.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
        failed = DBTaskResult.objects.filter(status="FAILED")
        assert not failed.exists(), [(r.task_path, r.traceback) for r in failed]

    return run


def make_merchant(
    email: str = "owner@bakery.test",
    business_name: str = "Bakery & Co",
    locale: str = "en",
    currency: str = "CAD",
    approved: bool = True,
) -> User:
    user = merchant_signup(
        business_name=business_name,
        email=email,
        password=PASSWORD,
        locale=locale,
        currency=currency,
    )
    if approved:
        payments_account_apply(
            merchant=user.merchant,
            legal_name=business_name,
            country="CA",
            business_type="corporation",
            institution_number="001",
            transit_number="00011",
            account_number="123456789",
        )
        account = PaymentsAccount.objects.get(merchant=user.merchant)
        if account.status == PaymentsAccount.Status.PENDING:  # a real processor: the operator
            payments_account_approve(account=account)
    user.refresh_from_db()
    return user


@pytest.fixture
def user(db) -> User:
    return make_merchant()


@pytest.fixture
def merchant(user: User) -> Merchant:
    return Merchant.objects.get(pk=user.merchant_id)


@pytest.fixture
def logged_in(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def multi_link(merchant) -> PaymentLink:
    return link_create(
        merchant=merchant,
        kind="multi",
        amount=1250,
        description="Box of croissants",
        allow_bank_transfer=True,
    )


@pytest.fixture
def single_link(merchant) -> PaymentLink:
    return link_create(
        merchant=merchant,
        kind="single",
        amount=30000,
        description="Catering deposit",
        customer_name="Camille Tremblay",
        customer_email="camille@example.com",
        allow_bank_transfer=True,
    )


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _ci_requires_configured_db(request):
    # On CI a PostgreSQL run must really be on PostgreSQL: never a silent fallback.
    url = os.environ.get("PAYLINKS_DATABASE_URL", "")
    if os.environ.get("CI") and url.startswith("postgres") and "db" in request.fixturenames:
        assert is_postgres()


@pytest.fixture(scope="session")
def localstripe():
    from localstripe_server import LocalStripe

    server = LocalStripe()
    yield server
    server.stop()


STRIPE_ENV = {
    "PAYLINKS_PROCESSOR": "stripe",
    "PAYLINKS_STRIPE_SECRET_KEY": "sk_test_paylinks",
    "PAYLINKS_STRIPE_PUBLISHABLE_KEY": "pk_test_paylinks",
    "PAYLINKS_STRIPE_WEBHOOK_SECRET": "whsec_paylinkstest",
}


@pytest.fixture
def stripe_settings(settings, localstripe):
    """The instance-wide Stripe account of a one-business install, on localstripe."""
    settings.PROCESSOR = "stripe"
    settings.STRIPE_SECRET_KEY = STRIPE_ENV["PAYLINKS_STRIPE_SECRET_KEY"]
    settings.STRIPE_PUBLISHABLE_KEY = STRIPE_ENV["PAYLINKS_STRIPE_PUBLISHABLE_KEY"]
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_ENV["PAYLINKS_STRIPE_WEBHOOK_SECRET"]
    settings.STRIPE_API_BASE = localstripe.url
    settings.STRIPE_JS_URL = localstripe.js_url
    return settings


@pytest.fixture
def stripe_merchant(stripe_settings, db) -> Merchant:
    """A merchant whose payments account is connected to the instance's Stripe account."""
    return Merchant.objects.get(pk=make_merchant(email="shop@stripe.test").merchant_id)


@pytest.fixture
def book_refund():
    """Refund a succeeded payment through the refund service (the sandbox refunds a card
    payment at once, writing its refund receipt): ``book_refund(payment, 500)``; with
    ``day=date(…)`` the refund is then moved to that day, as if made then (the books'
    tests spread refunds over days)."""
    from datetime import datetime, time

    from django.utils import timezone

    from paylinks.receipts.models import Refund, RefundReceipt
    from paylinks.receipts.refunds import refund_create

    def make(payment, amount: int, *, day=None) -> RefundReceipt:
        refund = refund_create(
            payment=payment,
            amount=amount,
            reason=Refund.Reason.REQUESTED_BY_CUSTOMER,
            idempotency_key=f"test-{payment.public_id}-{Refund.objects.count()}",
        )
        assert refund.status == Refund.Status.SUCCEEDED, refund.failure_code
        receipt = RefundReceipt.objects.get(refund=refund)
        if day is not None:
            when = timezone.make_aware(datetime.combine(day, time(12)))
            Refund.objects.filter(pk=refund.pk).update(completed_at=when)
            RefundReceipt.objects.filter(pk=receipt.pk).update(date=day)
            receipt.refresh_from_db()
        return receipt

    return make
