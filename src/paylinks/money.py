"""Money: integer minor units + ISO 4217 code. The only place that converts to/from text."""

import re
from dataclasses import dataclass
from decimal import Decimal

from babel.numbers import format_currency, get_currency_precision
from django.utils.translation import gettext_lazy as _

MAX_AMOUNT_MAJOR = 1_000_000  # the largest amount a link may ask for, in major units

_BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
_SPACES = "\u0020\u00a0\u202f"
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
        "ambiguous": _(
            "“%(text)s” could mean %(first)s or %(second)s: "
            "type %(first_input)s or %(second_input)s to say which."
        ),
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


def _grouped(text: str, sep: str) -> bool:
    """``1,234,567`` with ``sep`` ``,``: groups of three after a first group of 1 to 3 digits."""
    return re.fullmatch(rf"\d{{1,3}}(?:{re.escape(sep)}\d{{3}})+", text) is not None


def _readings(number: str, lang: str) -> list[tuple[str, str]] | None:
    """The ways to read ``number`` as (whole digits, decimal digits), or None.

    Either ``.`` or ``,`` may be the decimal separator, whatever the language: of two
    different ones, the last is; spaces only group thousands. A lone ``,`` followed by
    exactly three digits also groups thousands in English (``1,234``; so ``12,500`` reads
    two ways there), never in French, where the comma is the decimal separator."""
    if not re.fullmatch(rf"\d[\d.,{_SPACES}]*", number):
        return None
    spaced = re.sub(rf"[{_SPACES}]", " ", number)
    marks = [ch for ch in spaced if ch in ".,"]
    if " " in spaced:  # 1 234,56 or 1 234.56
        if len(marks) > 1:
            return None
        whole, decimals = spaced.split(marks[0]) if marks else (spaced, "")
        if (marks and not decimals.isdigit()) or not _grouped(whole, " "):
            return None
        return [(whole.replace(" ", ""), decimals)]
    if not marks:
        return [(spaced, "")]
    last = marks[-1]
    if len(set(marks)) == 2:  # 1,234.56 or 1.234,56
        whole, decimals = spaced.rsplit(last, 1)
        other = "," if last == "." else "."
        if not decimals.isdigit() or not _grouped(whole, other):
            return None
        return [(whole.replace(other, ""), decimals)]
    if len(marks) > 1:  # 1,234,567
        return [(spaced.replace(last, ""), "")] if _grouped(spaced, last) else None
    whole, decimals = spaced.split(last)
    if not decimals:
        return None
    readings = [(whole, decimals)]
    if last == "," and lang == "en" and _grouped(spaced, last):
        readings.append((whole + decimals, ""))
    return readings


def parse_amount(text: str, currency: str, language: str) -> int:
    """Parse a typed amount into minor units, or raise AmountError.

    ``12.50``, ``12,50``, ``1 234,56`` and ``1,234.56`` are understood in either
    language; what could be read two ways (``12,500``) is refused, saying both readings."""
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
    readings = _readings(number, lang)
    if readings is None:
        raise AmountError("invalid", example=example)
    values = sorted(
        {
            Decimal(f"{whole}.{decimals or '0'}")
            for whole, decimals in readings
            if len(decimals.rstrip("0")) <= digits
        },
        reverse=True,
    )
    if not values:
        raise AmountError("too_many_decimals", digits=digits)
    if len(values) > 1:
        first, second = (int(v.scaleb(digits)) for v in values[:2])
        raise AmountError(
            "ambiguous",
            text=text,
            first=format_money(first, currency, lang),
            second=format_money(second, currency, lang),
            first_input=amount_to_input(first, currency, lang),
            second_input=amount_to_input(second, currency, lang),
        )
    value = values[0]
    if negative or value <= 0:
        raise AmountError("not_positive")
    if value > MAX_AMOUNT_MAJOR:
        raise AmountError(
            "too_large", max=format_money(MAX_AMOUNT_MAJOR * 10**digits, currency, lang)
        )
    return int(value.scaleb(digits))
