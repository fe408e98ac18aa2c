from django.db import models
from django.utils.translation import gettext_lazy as _

from paylinks.checkout.models import Payment
from paylinks.core.ids import new_id
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def receipt_id() -> str:
    return new_id("rcpt")


class SalesReceipt(models.Model):
    """The accounting record of a payment, numbered 1, 2, 3… per merchant without gaps."""

    public_id = models.CharField(max_length=40, unique=True, editable=False, default=receipt_id)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="receipts")
    number = models.PositiveIntegerField(_("number"))
    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    link = models.ForeignKey(PaymentLink, on_delete=models.PROTECT, related_name="receipts")
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
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "number"], name="receipt_number_per_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def customer_display(self) -> str:
        return self.customer_name or str(_("Unspecified"))
