from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import SalesReceipt
from paylinks.webhooks.services import event_record


def receipt_create(*, payment: Payment) -> SalesReceipt:
    """Book a successful payment as the merchant's next sales receipt (no gaps: the
    number is taken under a lock on the merchant, in the payment's transaction)."""
    with transaction.atomic():
        merchant = Merchant.objects.select_for_update().get(pk=payment.merchant_id)
        existing = SalesReceipt.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        merchant.last_receipt_number += 1
        merchant.save(update_fields=["last_receipt_number"])
        link = payment.link
        with translation.override(merchant.locale):
            if link.kind == PaymentLink.Kind.MULTI:
                customer_name, customer_email = "", ""
                description = _("Paid by %(name)s (%(email)s) through payment link %(link)s") % {
                    "name": payment.payer_name,
                    "email": payment.payer_email,
                    "link": link.public_id,
                }
            else:
                customer_name = link.customer_name or payment.payer_name
                customer_email = link.customer_email or payment.payer_email
                description = _("Payment link %(link)s") % {"link": link.public_id}
            method = payment.method_label
        receipt = SalesReceipt.objects.create(
            merchant=merchant,
            number=merchant.last_receipt_number,
            payment=payment,
            link=link,
            date=timezone.localdate(payment.settled_at or timezone.now()),
            customer_name=customer_name,
            customer_email=customer_email,
            description=description,
            line_description=link.description,
            amount=payment.amount,
            currency=payment.currency,
            payment_method=method,
        )
        event_record(merchant=merchant, type="sales_receipt.created", obj=receipt)
        if link.kind == PaymentLink.Kind.SINGLE:
            event_record(merchant=merchant, type="payment_link.paid", obj=link)
        return receipt
