from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from paylinks.books.services import payment_fee_schedule
from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant
from paylinks.receipts.models import SalesReceipt
from paylinks.webhooks.services import event_record


def _next_receipt_number(merchant: Merchant) -> int:
    """Bump the merchant's receipt counter and read it in one statement (UPDATE …
    RETURNING, on PostgreSQL and SQLite alike): the row stays locked to the commit."""
    quote = connection.ops.quote_name
    table, column, key = quote(Merchant._meta.db_table), quote("last_receipt_number"), quote("id")
    sql = f"UPDATE {table} SET {column} = {column} + 1 WHERE {key} = %s RETURNING {column}"  # noqa: S608 (names, no input)
    with connection.cursor() as cursor:
        cursor.execute(sql, [merchant.pk])
        (number,) = cursor.fetchone()
    return int(number)


def receipt_create(*, payment: Payment) -> SalesReceipt:
    """Book a successful payment as the merchant's next sales receipt (no gaps: the
    number is bumped in the payment's transaction, whose commit releases it; callers
    book the receipt last, so the counter is held as briefly as possible), and add it to
    its link's totals (``payments_count``, ``amount_collected``): every succeeded payment
    comes here exactly once, so the totals are exact without summing payments."""
    # In the caller's transaction when there is one (no savepoint: nothing here is retried).
    with transaction.atomic(savepoint=False):
        if Payment.receipt.is_cached(payment):  # the payment was just made, or its receipt read
            existing = getattr(payment, "receipt", None)
        else:
            existing = SalesReceipt.objects.filter(payment=payment).first()
        if existing is not None:
            return existing
        merchant, link = payment.merchant, payment.link
        with translation.override(merchant.locale):
            if link.kind == PaymentLink.Kind.MULTI:
                customer_name, customer_email = "", ""
                description = _(
                    "Paid by %(name)s (%(email)s) through the payment link “%(link)s”"
                ) % {
                    "name": payment.payer_name,
                    "email": payment.payer_email,
                    "link": link.description,
                }
            else:
                customer_name = link.customer_name or payment.payer_name
                customer_email = link.customer_email or payment.payer_email
                description = _("Payment link “%(link)s”") % {"link": link.description}
            method = payment.method_label
        # The hot rows last: the merchant's counter and the link's totals stay locked
        # only from here to the commit.
        number = _next_receipt_number(merchant)
        PaymentLink.objects.filter(pk=link.pk).update(
            payments_count=F("payments_count") + 1,
            amount_collected=F("amount_collected") + payment.amount,
        )
        receipt = SalesReceipt.objects.create(
            merchant=merchant,
            number=number,
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
        if payment.fee is None:  # the processor did not say it with the charge
            payment_fee_schedule(payment=payment)  # asked by a task
        if link.kind == PaymentLink.Kind.SINGLE:
            event_record(merchant=merchant, type="payment_link.paid", obj=link)
        return receipt
