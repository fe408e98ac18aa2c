from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.core.ids import new_id, new_token
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def attempt_id() -> str:
    return new_id("att")


def payment_id() -> str:
    return new_id("pay")


class Method(models.TextChoices):
    CARD = "card", _("Card")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class MaskedInstrument(models.Model):
    """What may be kept of a card or bank account: never the number, CVC or full account."""

    method = models.CharField(_("payment method"), max_length=13, choices=Method.choices)
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_exp_month = models.PositiveSmallIntegerField(null=True, blank=True)
    card_exp_year = models.PositiveSmallIntegerField(null=True, blank=True)
    bank_last4 = models.CharField(max_length=4, blank=True)

    class Meta:
        abstract = True

    @property
    def method_label(self) -> str:
        """``Visa •••• 4242`` or ``Bank transfer •••• 6789``."""
        if self.method == Method.CARD:
            return f"{self.card_brand} •••• {self.card_last4}"
        return f"{Method.BANK_TRANSFER.label} •••• {self.bank_last4}"


class DeliveryAddress(models.Model):
    """Where to deliver a product sold through a link ("I sell a product…")."""

    delivery_line1 = models.CharField(_("address"), max_length=200, blank=True)
    delivery_city = models.CharField(_("city"), max_length=100, blank=True)
    delivery_region = models.CharField(_("province or state"), max_length=100, blank=True)
    delivery_postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    delivery_country = models.CharField(_("country"), max_length=2, blank=True)

    class Meta:
        abstract = True

    @property
    def delivery_address(self) -> str:
        parts = [
            self.delivery_line1,
            self.delivery_city,
            self.delivery_region,
            self.delivery_postal_code,
            self.delivery_country,
        ]
        return ", ".join(p for p in parts if p)


class Attempt(MaskedInstrument, DeliveryAddress):
    """One try by a customer to pay on the hosted page. Written before the processor is called."""

    class Outcome(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        REQUIRES_ACTION = "requires_action", _("Waiting for the customer's authentication")
        SUCCEEDED = "succeeded", _("Succeeded")
        PENDING = "pending", _("Pending")
        FAILED = "failed", _("Failed")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=attempt_id)
    # The checkout (one page load of the hosted page) this attempt pays: unique, so any
    # number of submissions of one checkout make one attempt, one charge at most.
    checkout = models.CharField(max_length=40, null=True, editable=False)
    # The card-testing slot this attempt holds (see checkout/velocity.py).
    reservation = models.CharField(max_length=40, blank=True)
    link = models.ForeignKey(PaymentLink, on_delete=models.CASCADE, related_name="attempts")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="attempts")
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PROCESSING
    )
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True)
    payer_name = models.CharField(_("name"), max_length=200)
    payer_email = models.EmailField(_("email"))
    payer_language = models.CharField(max_length=5, default="en")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    processor = models.CharField(max_length=20)
    processor_ref = models.CharField(max_length=100, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    # A keyed hash of the card number (velocity limits), never the number itself.
    card_fingerprint = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["link", "outcome"]),
            models.Index(fields=["outcome", "created_at"], name="attempt_outcome_created"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["link", "checkout"], name="one_attempt_per_checkout")
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def idempotency_key(self) -> str:
        """What the processor gets: derived from the attempt, so a retry charges once."""
        return f"paylinks-{self.public_id}"

    @property
    def failure_message(self) -> str:
        from paylinks.processors.base import failure_message

        return failure_message(self.failure_code) if self.failure_code else ""


class Payment(MaskedInstrument, DeliveryAddress):
    """Money received (or pending, for a bank transfer) through a link."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    class Delivery(models.TextChoices):
        NOT_APPLICABLE = "", _("Not applicable")
        TO_DELIVER = "to_deliver", _("To deliver")
        DELIVERED = "delivered", _("Delivered")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=payment_id)
    # The customer's key to its confirmation page.
    token = models.CharField(max_length=64, unique=True, editable=False, default=new_token)
    link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="payments")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="payments")
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT, related_name="payment")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    failure_code = models.CharField(max_length=40, blank=True)
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(max_length=3)
    payer_name = models.CharField(_("name"), max_length=200)
    payer_email = models.EmailField(_("email"))
    payer_language = models.CharField(max_length=5, default="en")
    delivery_status = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, blank=True, default=""
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    processor_ref = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    # A pending payment is asked about again from this time (one check per payment).
    next_check_at = models.DateTimeField(null=True, blank=True)
    # The sum of its refunds that are pending or done: never more than ``amount``
    # (raised under the payment's row lock when a refund is requested).
    amount_refunded = models.BigIntegerField(_("amount refunded"), default=0)
    # What the processor kept (its balance transaction's fee), once known; in ``currency``.
    fee = models.BigIntegerField(_("fee"), null=True, blank=True)
    # The payout that sent this payment's money (less the fee) to the merchant's bank.
    payout = models.ForeignKey(
        "receipts.Payout",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="payments",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_check_at"], name="payment_status_check")]

    def __str__(self) -> str:
        return self.public_id

    @property
    def failure_message(self) -> str:
        from paylinks.processors.base import failure_message

        return failure_message(self.failure_code) if self.failure_code else ""

    @property
    def refundable(self) -> int:
        """What may still be refunded, in minor units."""
        if self.status != self.Status.SUCCEEDED:
            return 0
        return self.amount - self.amount_refunded

    @property
    def net(self) -> int | None:
        """The amount less the processor's fee, once the fee is known."""
        return None if self.fee is None else self.amount - self.fee
