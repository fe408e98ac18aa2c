from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.checkout.models import Payment
from paylinks.core.ids import new_id
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def receipt_id() -> str:
    return new_id("rcpt")


def refund_id() -> str:
    return new_id("re")


def refund_receipt_id() -> str:
    return new_id("rfrc")


def payout_id() -> str:
    return new_id("po")


class Receipt(models.Model):
    """What a sales receipt and a refund receipt both say: a number in the merchant's
    sequence of its kind, the day, the customer, the line and the amount."""

    number = models.PositiveIntegerField(_("number"))
    date = models.DateField(_("date"))
    # Empty means "Unspecified" (multi-use links name no customer).
    customer_name = models.CharField(_("customer"), max_length=200, blank=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    description = models.TextField(_("description"))
    line_description = models.CharField(_("product or service"), max_length=500)
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    payment_method = models.CharField(_("payment method"), max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def customer_display(self) -> str:
        return self.customer_name or str(_("Unspecified"))


class SalesReceipt(Receipt):
    """The accounting record of a payment, numbered 1, 2, 3… per merchant without gaps."""

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=receipt_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="receipts")
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="receipts")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "number"], name="receipt_number_per_merchant"
            )
        ]
        # By date (exports, period totals): the (merchant, date, number) index of
        # books/migrations/0001_indexes.py.


class Payout(models.Model):
    """Money the processor sent to the merchant's bank account: the payments (less their
    fees) and refunds it settled. Stripe's payouts, or the sandbox's simulated daily one."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        IN_TRANSIT = "in_transit", _("In transit")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=payout_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="payouts")
    processor = models.CharField(max_length=20)
    processor_ref = models.CharField(max_length=100)
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    arrival_date = models.DateField(_("arrival date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-arrival_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["processor", "processor_ref"], name="payout_once")
        ]
        indexes = [
            models.Index(
                fields=["merchant", "-arrival_date", "-id"], name="payout_merchant_arrival"
            )
        ]

    def __str__(self) -> str:
        return self.public_id


# Why a refund failed (stable codes from the processor; messages for people).
REFUND_FAILURE_MESSAGES = {
    "expired_or_canceled_card": _(
        "The card it was paid with is expired or cancelled: refund the customer another way."
    ),
    "lost_or_stolen_card": _(
        "The card it was paid with was reported lost or stolen: refund the customer another way."
    ),
    "insufficient_funds": _("The processor balance is too low to refund now. Try again later."),
    "amount_too_large": _("The processor refused: more than is left to refund."),
}


class Refund(models.Model):
    """Money given back on a payment, in full or in part. Its amount counts against the
    payment (``Payment.amount_refunded``) from the moment it is requested until it fails,
    so concurrent requests never refund more than was paid."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Refunded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    class Reason(models.TextChoices):
        REQUESTED_BY_CUSTOMER = "requested_by_customer", _("Requested by the customer")
        DUPLICATE = "duplicate", _("Duplicate payment")
        FRAUDULENT = "fraudulent", _("Fraudulent payment")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        DASHBOARD = "dashboard", _("Dashboard")
        API = "api", _("API")
        # Made in the processor's own dashboard and learnt from its webhook.
        PROCESSOR = "processor", _("Processor")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=refund_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    reason = models.CharField(_("reason"), max_length=25, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    failure_code = models.CharField(max_length=40, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.DASHBOARD)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # From the refund request (a form's nonce, the API's Idempotency-Key): one refund per key.
    idempotency_key = models.CharField(max_length=255)
    processor = models.CharField(max_length=20)
    processor_ref = models.CharField(max_length=100, blank=True)
    payout = models.ForeignKey(
        Payout, null=True, blank=True, on_delete=models.SET_NULL, related_name="refunds"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # A pending refund is asked about again from this time.
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="refund_once_per_key"
            ),
            models.UniqueConstraint(
                fields=["processor", "processor_ref"],
                condition=~models.Q(processor_ref=""),
                name="refund_processor_ref_once",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "-created_at", "-id"], name="refund_merchant_created"),
            models.Index(fields=["status", "next_check_at"], name="refund_status_check"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def failure_message(self) -> str:
        if not self.failure_code:
            return ""
        default = _("The processor did not complete the refund.")
        return str(REFUND_FAILURE_MESSAGES.get(self.failure_code, default))


class RefundReceipt(Receipt):
    """The accounting record of a completed refund, numbered 1, 2, 3… per merchant in its
    own sequence without gaps, and tied to the sales receipt it reverses (in part)."""

    public_id = models.CharField(
        max_length=40, unique=True, editable=False, default=refund_receipt_id
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="refund_receipts")
    refund = models.OneToOneField(Refund, on_delete=models.PROTECT, related_name="receipt")
    sales_receipt = models.ForeignKey(
        SalesReceipt, on_delete=models.PROTECT, related_name="refund_receipts"
    )

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "number"], name="refund_receipt_number_per_merchant"
            )
        ]
        # By date: the (merchant, date, number) index of books/migrations/0001_indexes.py.
