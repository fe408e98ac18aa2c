"""Money: integer minor units + ISO 4217 code. The only place that converts to/from text."""

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import gettext_lazy as _

MAX_AMOUNT_MAJOR = 1_000_000  # the largest amount a link may ask for, in major units

_BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
_SPACES = "\u0020\u00a0\u202f"
_NUMBER = {
    "en": re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$"),
    "fr": re.compile(rf"^(?:\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)(?:,(\d+))?$"),
}
# A currency sign or code around the number is tolerated: "$12.50", "12,50 $", "US$5", "5 EUR".
_AFFIX = re.compile(
    rf"^[{_SPACES}]*(?:[A-Z]{{2,3}}[{_SPACES}]?)?[$€£¥]?[{_SPACES}]*"
    rf"(?P<number>.*?)"
    rf"[{_SPACES}]*[$€£¥]?[{_SPACES}]*(?:[A-Z]{{3}})?[{_SPACES}]*$"
)


@dataclass(frozen=True)
class Money:
    amount: int  # minor units
    currency: str  # ISO 4217

    def format(self, language: str) -> str:
        return format_money(self.amount, self.currency, language)


class AmountError(ValueError):
    MESSAGES = {
        "required": _("Enter an amount."),
        "invalid": _("Enter the amount as a number, for example %(example)s."),
        "too_many_decimals": _("This currency allows at most %(digits)s decimals."),
        "not_positive": _("The amount must be greater than zero."),
        "too_large": _("The amount cannot be more than %(max)s."),
    }

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code)

    def __str__(self) -> str:
        return str(self.MESSAGES[self.code]) % self.params


def minor_digits(currency: str) -> int:
    return int(get_currency_precision(currency))


def site_language(language: str) -> str:
    return "fr" if language.lower().startswith("fr") else "en"


def babel_locale(language: str) -> str:
    return _BABEL_LOCALES[site_language(language)]


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_digits(currency))


def format_money(amount: int, currency: str, language: str) -> str:
    """``1 234,56 $`` in French, ``$1,234.56`` in English (CLDR, Canadian locales)."""
    return format_currency(to_major(amount, currency), currency, locale=babel_locale(language))


def amount_to_input(amount: int, currency: str, language: str) -> str:
    """What a merchant would type for ``amount``: ``12,50`` (fr) or ``12.50`` (en)."""
    text = f"{to_major(amount, currency):.{minor_digits(currency)}f}"
    return text.replace(".", ",") if site_language(language) == "fr" else text


def parse_amount(text: str, currency: str, language: str) -> int:
    """Parse an amount typed in ``language``'s format into minor units, or raise AmountError."""
    lang = site_language(language)
    digits = minor_digits(currency)
    example = amount_to_input(int(Decimal("12.50").scaleb(digits)), currency, lang)
    text = (text or "").strip()
    if not text:
        raise AmountError("required")
    match = _AFFIX.match(text)
    number = match.group("number") if match else text
    negative = number.startswith("-")
    if negative:
        number = number[1:].lstrip(_SPACES)
    parsed = _NUMBER[lang].match(number)
    if not parsed:
        raise AmountError("invalid", example=example)
    decimals = parsed.group(1) or ""
    whole = re.sub(rf"[{_SPACES},]", "", number.split("," if lang == "fr" else ".")[0])
    if len(decimals.rstrip("0")) > digits:
        raise AmountError("too_many_decimals", digits=digits)
    value = Decimal(f"{whole}.{decimals or '0'}")
    if negative or value <= 0:
        raise AmountError("not_positive")
    if value > MAX_AMOUNT_MAJOR:
        raise AmountError(
            "too_large", max=format_money(MAX_AMOUNT_MAJOR * 10**digits, currency, lang)
        )
    return int(value.scaleb(digits))
