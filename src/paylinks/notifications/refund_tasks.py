"""Refund emails, one message per task (see tasks.py: sent once per key, retried later
when the mail server fails): the customer's refund receipt in their language, with
Reply-To the business; the merchant's notice of a refund done or failed."""

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from paylinks.notifications.emails import merchant_addresses, merchant_reply_to
from paylinks.notifications.tasks import _retry_later, _send


@task()
def send_refund_email(*, refund_id: int, event: str, audience: str, tries: int = 1) -> None:
    """``event`` is "succeeded" or "failed"; ``audience`` "customer" or "merchant"."""
    from paylinks.receipts.models import Refund, RefundReceipt

    refund = Refund.objects.select_related("payment__link", "merchant").filter(pk=refund_id).first()
    if refund is None:
        return
    payment = refund.payment
    receipt = RefundReceipt.objects.filter(refund=refund).select_related("sales_receipt").first()
    context = {
        "refund": refund,
        "payment": payment,
        "link": payment.link,
        "merchant": refund.merchant,
        "refund_receipt": receipt,
        "receipt_url": settings.BASE_URL + reverse("checkout:confirmation", args=[payment.token]),
        "dashboard_url": settings.BASE_URL + reverse("refunds:payment", args=[payment.public_id]),
    }
    attachments = []
    if audience == "customer":  # replies go to the business, and the business's to the payer
        language, to = payment.payer_language, [payment.payer_email]
        reply_to = merchant_reply_to(refund.merchant)
        if receipt is not None:
            from paylinks.receipts.pdf import refund_receipt_pdf, refund_receipt_pdf_filename

            attachments.append(
                (
                    refund_receipt_pdf_filename(receipt, language),
                    refund_receipt_pdf(receipt=receipt, language=language),
                    "application/pdf",
                )
            )
    else:
        language, to = refund.merchant.locale, merchant_addresses(refund.merchant)
        reply_to = [payment.payer_email]
    try:
        _send(
            key=f"refund:{refund_id}:{event}:{audience}",
            template=f"{audience}_refund_{event}",
            language=language,
            to=to,
            context=context,
            reply_to=reply_to,
            attachments=attachments,
        )
    except OSError as error:
        _retry_later(
            send_refund_email, tries, error, refund_id=refund_id, event=event, audience=audience
        )
