from django.conf import settings
from django.core.mail import EmailMessage
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from paylinks.checkout.models import Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def _render(name: str, context: dict) -> str:
    return engines["text"].get_template(name).render(context)


def _send(*, template: str, language: str, to: list[str], context: dict) -> None:
    """Render ``emails/<template>_subject.txt`` and ``.txt`` in ``language`` and send."""
    if not to:
        return
    with translation.override(language):
        ctx = {"BASE_URL": settings.BASE_URL, "language": language, **context}
        subject = " ".join(_render(f"emails/{template}_subject.txt", ctx).split())
        body = _render(f"emails/{template}.txt", ctx)
    EmailMessage(subject=subject, body=body, to=to).send()


def _merchant_emails(merchant: Merchant) -> list[str]:
    return list(merchant.users.filter(is_active=True).values_list("email", flat=True))


@task()
def send_payment_emails(*, payment_id: int, event: str) -> None:
    """The customer's receipt (or pending/failed notice) and the merchant's confirmation."""
    payment = Payment.objects.select_related("link", "merchant").filter(pk=payment_id).first()
    if payment is None:
        return
    receipt = getattr(payment, "receipt", None)
    context = {
        "payment": payment,
        "link": payment.link,
        "merchant": payment.merchant,
        "receipt": receipt,
        "link_url": settings.BASE_URL + payment.link.path,
        "receipt_url": settings.BASE_URL + reverse("checkout:confirmation", args=[payment.token]),
        "dashboard_url": settings.BASE_URL + reverse("links:detail", args=[payment.link.public_id]),
    }
    _send(
        template=f"customer_{event}",
        language=payment.payer_language,
        to=[payment.payer_email],
        context=context,
    )
    _send(
        template=f"merchant_{event}",
        language=payment.merchant.locale,
        to=_merchant_emails(payment.merchant),
        context=context,
    )


@task()
def send_link_reminder(*, link_id: int) -> None:
    link = PaymentLink.objects.select_related("merchant").filter(pk=link_id).first()
    if link is None or not link.customer_email or not link.accepts_payments:
        return
    _send(
        template="reminder",
        language=link.merchant.locale,
        to=[link.customer_email],
        context={
            "link": link,
            "merchant": link.merchant,
            "link_url": settings.BASE_URL + link.path,
        },
    )
