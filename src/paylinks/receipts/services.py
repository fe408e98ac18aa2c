from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import SalesReceipt


def receipt_create(*, payment: Payment) -> SalesReceipt:
    """Book a successful payment as the merchant's next sales receipt (no gaps: the
    number is bumped in the payment's transaction, whose commit releases it; callers
    book the receipt last, so the counter is held as briefly as possible)."""
    with transaction.atomic():
        existing = SalesReceipt.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        counter = Merchant.objects.filter(pk=payment.merchant_id)
        counter.update(last_receipt_number=F("last_receipt_number") + 1)
        merchant = payment.merchant
        merchant.last_receipt_number = counter.values_list("last_receipt_number", flat=True).get()
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
        return SalesReceipt.objects.create(
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
