from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from paylinks.core.ids import new_id, new_token
from paylinks.merchants.models import Merchant

# The largest cap on a multi-use link: what a PositiveIntegerField holds on every database.
MAX_PAYMENTS_LIMIT = 2**31 - 1


def link_id() -> str:
    return new_id("plink")


class PaymentLink(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single-use")
        MULTI = "multi", _("Multi-use")

    class State(models.TextChoices):
        """What payments did to the link. Deactivation and expiry are separate fields."""

        OPEN = "open", _("Open")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        LIMIT_REACHED = "limit_reached", _("Limit reached")

    class Status(models.TextChoices):
        """What the merchant and the customer see (derived, see ``status``)."""

        ACTIVE = "active", _("Active")
        PROCESSING = "processing", _("Processing")
        PAID = "paid", _("Paid")
        LIMIT_REACHED = "limit_reached", _("Limit reached")
        EXPIRED = "expired", _("Expired")
        DEACTIVATED = "deactivated", _("Deactivated")

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=link_id)
    token = models.CharField(max_length=64, unique=True, editable=False, default=new_token)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(_("type"), max_length=6, choices=Kind.choices)
    amount = models.BigIntegerField(_("amount"))  # minor units
    currency = models.CharField(_("currency"), max_length=3)
    description = models.CharField(_("description"), max_length=500)
    show_business_name = models.BooleanField(_("show the business name"), default=True)
    allow_card = models.BooleanField(_("card"), default=True)
    allow_bank_transfer = models.BooleanField(_("bank transfer"), default=False)
    collect_delivery = models.BooleanField(
        _("I sell a product and deliver it after being paid"), default=False
    )
    customer_name = models.CharField(_("customer name"), max_length=200, blank=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=20, blank=True)
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    max_payments = models.PositiveIntegerField(_("maximum number of payments"), null=True)
    inactive_message = models.CharField(
        _("message shown when the link is inactive"), max_length=500, blank=True
    )
    is_active = models.BooleanField(default=True)
    state = models.CharField(max_length=14, choices=State.choices, default=State.OPEN)
    # Totals of succeeded payments, kept by receipts.services.receipt_create with F()
    # (every succeeded payment is booked there exactly once): lists never sum payments.
    payments_count = models.PositiveIntegerField(default=0, editable=False)
    amount_collected = models.BigIntegerField(default=0, editable=False)  # minor units
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # One per way the links list is filtered, each in the list's order (keyset pages).
        indexes = [
            models.Index(fields=["merchant", "-created_at", "-id"], name="link_list"),
            models.Index(
                fields=["merchant", "state", "-created_at", "-id"], name="link_list_state"
            ),
            models.Index(fields=["merchant", "kind", "-created_at", "-id"], name="link_list_kind"),
            models.Index(
                fields=["merchant", "-created_at", "-id"],
                condition=models.Q(is_active=False),
                name="link_list_deactivated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.description}"

    @property
    def is_expired(self) -> bool:
        return self.expires_on is not None and self.expires_on < timezone.localdate()

    @property
    def status(self) -> str:
        if not self.is_active:
            return self.Status.DEACTIVATED
        if self.state != self.State.OPEN:
            return self.state  # processing, paid, limit_reached share their values
        if self.is_expired:
            return self.Status.EXPIRED
        return self.Status.ACTIVE

    def get_status_display(self) -> str:
        return str(self.Status(self.status).label)

    @property
    def accepts_payments(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def methods(self) -> list[str]:
        methods = []
        if self.allow_card:
            methods.append("card")
        if self.allow_bank_transfer:
            methods.append("bank_transfer")
        return methods

    @property
    def path(self) -> str:
        return f"/l/{self.token}"
