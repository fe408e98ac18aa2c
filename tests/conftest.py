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
    """Book a succeeded refund and its refund receipt straight into the tables, as the
    refund service does when a refund succeeds (for the books' tests, which only read
    refund receipts): ``book_refund(payment, 500, day=date(…))``."""
    from datetime import datetime, time

    from django.db.models import F
    from django.utils import timezone

    from paylinks.checkout.models import Payment
    from paylinks.receipts.models import Refund, RefundReceipt

    def make(payment: Payment, amount: int, *, day=None) -> RefundReceipt:
        day = day or timezone.localdate()
        when = timezone.make_aware(datetime.combine(day, time(12)))
        merchant, receipt = payment.merchant, payment.receipt
        refund = Refund.objects.create(
            merchant=merchant,
            payment=payment,
            amount=amount,
            currency=payment.currency,
            reason=Refund.Reason.REQUESTED_BY_CUSTOMER,
            status=Refund.Status.SUCCEEDED,
            idempotency_key=f"test-{payment.public_id}-{Refund.objects.count()}",
            processor=payment.attempt.processor,
            completed_at=when,
        )
        Payment.objects.filter(pk=payment.pk).update(amount_refunded=F("amount_refunded") + amount)
        counter = Merchant.objects.filter(pk=merchant.pk)
        counter.update(last_refund_receipt_number=F("last_refund_receipt_number") + 1)
        return RefundReceipt.objects.create(
            merchant=merchant,
            number=counter.values_list("last_refund_receipt_number", flat=True).get(),
            refund=refund,
            sales_receipt=receipt,
            date=day,
            customer_name=receipt.customer_name,
            customer_email=receipt.customer_email,
            description=f"Refund of sales receipt no. {receipt.number}",
            line_description=receipt.line_description,
            amount=amount,
            currency=payment.currency,
            payment_method=receipt.payment_method,
        )

    return make
