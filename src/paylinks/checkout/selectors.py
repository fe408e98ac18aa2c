from django.db.models import QuerySet

from paylinks.checkout.models import Attempt, Payment
from paylinks.core.prepared import INT_MARK, TEXT_MARK, PreparedGet
from paylinks.links.models import PaymentLink
from paylinks.merchants.models import Merchant


def payment_list(*, link: PaymentLink) -> QuerySet[Payment]:
    return link.payments.select_related("receipt").order_by("-created_at", "-id")


def attempt_list(*, link: PaymentLink) -> QuerySet[Attempt]:
    return link.attempts.order_by("-created_at", "-id")


def payment_get(*, merchant: Merchant, public_id: str) -> Payment:
    return Payment.objects.select_related("link", "payout").get(
        merchant=merchant, public_id=public_id
    )


# Every customer's confirmation page starts here: compiled once (core/prepared.py).
_BY_TOKEN = PreparedGet(
    lambda token: Payment.objects.select_related("link__merchant", "receipt").filter(token=token)
)


def payment_by_token(*, token: str) -> Payment:
    """A payment by its confirmation page's token, with its link, merchant and receipt."""
    payment = _BY_TOKEN.get(token)
    payment.merchant = payment.link.merchant  # the same row: read once, through the link
    return payment


# Each payment's emails start here (the task worker): compiled once as well.
_WITH_RECEIPT = PreparedGet(
    lambda pk: Payment.objects.select_related("link__merchant", "receipt").filter(pk=pk),
    marks=(INT_MARK,),
)


def payment_with_receipt(*, pk: int) -> Payment | None:
    """A payment with its link, merchant and receipt (None if there is no such payment)."""
    payment = _WITH_RECEIPT.first(pk)
    if payment is not None:
        payment.merchant = payment.link.merchant  # the same row: read once, through the link
        receipt = getattr(payment, "receipt", None)
        if receipt is not None:
            receipt.merchant = payment.merchant
    return payment


def payment_refunds_for_customer(*, payment: Payment) -> list:
    """The payment's refunds for its confirmation page, oldest first; none asked for (no
    statement) when nothing is refunded or pending, the common case."""
    from paylinks.receipts.models import Refund

    if payment.amount_refunded <= 0:
        return []
    return list(
        Refund.objects.filter(payment=payment)
        .exclude(status__in=[Refund.Status.FAILED, Refund.Status.CANCELED])
        .order_by("created_at", "id")
    )


# Every submission, and every page load of a returning customer, asks for its checkout's
# attempt: compiled (and on PostgreSQL prepared) once per connection.
_BY_CHECKOUT = PreparedGet(
    lambda link_id, nonce: Attempt.objects.select_related("payment").filter(
        link_id=link_id, checkout=nonce
    ),
    marks=(INT_MARK, TEXT_MARK),
)


def attempt_by_checkout(*, link_id: int, nonce: str) -> Attempt | None:
    """The attempt of one checkout of a link (unique), with its payment if one was made."""
    return _BY_CHECKOUT.first(link_id, nonce)
