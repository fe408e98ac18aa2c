from django.db.models import QuerySet

from paylinks.checkout.models import Attempt, Payment
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def payment_list(*, link: PaymentLink) -> QuerySet[Payment]:
    return link.payments.select_related("receipt").order_by("-created_at", "-id")


def attempt_list(*, link: PaymentLink) -> QuerySet[Attempt]:
    return link.attempts.order_by("-created_at", "-id")


def payment_get(*, merchant: Merchant, public_id: str) -> Payment:
    return Payment.objects.select_related("link").get(merchant=merchant, public_id=public_id)


def payment_by_token(*, token: str) -> Payment:
    return Payment.objects.select_related("link", "merchant", "receipt").get(token=token)
