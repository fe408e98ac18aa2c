"""Helpers to pay links through the service layer, as the hosted page does."""

from paylinks.checkout.models import Attempt
from paylinks.checkout.services import Delivery, link_pay
from paylinks.links.models import PaymentLink
from paylinks.processors.base import BankDetails, CardDetails

GOOD_CARD = "4242424242424242"


def card(number: str = GOOD_CARD, cvc: str = "123", exp_year: int = 2031) -> CardDetails:
    return CardDetails(
        number=number, exp_month=12, exp_year=exp_year, cvc=cvc, postal_code="H2X 1Y4"
    )


def pay_card(link: PaymentLink, number: str = GOOD_CARD, name: str = "Jane Payer", **kw) -> Attempt:
    return link_pay(
        link=link,
        method="card",
        payer_name=name,
        payer_email=kw.pop("email", "jane@example.com"),
        payer_language=kw.pop("language", "en"),
        card=card(number, **kw),
        delivery=Delivery("1 Main St", "Montréal", "QC", "H2X 1Y4", "CA")
        if link.collect_delivery
        else None,
    )


def pay_bank(link: PaymentLink, account: str = "123456789", name: str = "Bob Transfer") -> Attempt:
    return link_pay(
        link=link,
        method="bank_transfer",
        payer_name=name,
        payer_email="bob@example.com",
        payer_language="en",
        bank=BankDetails(holder=name, institution="001", transit="00011", account_number=account),
    )


def stuck_attempt(link) -> Attempt:
    """An attempt written, then the process died before the processor was called."""
    return Attempt.objects.create(
        link=link,
        merchant=link.merchant,
        method="card",
        payer_name="A",
        payer_email="a@b.c",
        amount=link.amount,
        currency=link.currency,
        processor="sandbox",
    )
