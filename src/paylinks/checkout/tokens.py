"""The checkout token: one per load of the hosted page, signed by the server.

It names the checkout (a random nonce: any number of submissions of one page make one
attempt, one charge at most) and what the page showed (amount, currency): a link changed
since the page was loaded refuses the stale checkout instead of charging another amount.
"""

import secrets
from dataclasses import dataclass

from django.core import signing

SALT = "paylinks.checkout"
MAX_AGE_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Checkout:
    nonce: str
    amount: int
    currency: str


def new_nonce() -> str:
    return "co_" + secrets.token_urlsafe(18)


def valid_nonce(value: str) -> bool:
    return (
        value.startswith("co_")
        and 20 <= len(value) <= 40
        and value[3:].replace("-", "").replace("_", "").isalnum()
    )


def sign(checkout: Checkout) -> str:
    return signing.dumps([checkout.nonce, checkout.amount, checkout.currency], salt=SALT)


def verify(value: str) -> Checkout | None:
    try:
        nonce, amount, currency = signing.loads(value, salt=SALT, max_age=MAX_AGE_SECONDS)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(nonce, str) and valid_nonce(nonce) and isinstance(amount, int)):
        return None
    return Checkout(nonce=nonce, amount=amount, currency=str(currency))
