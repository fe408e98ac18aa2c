import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylinks.money import (
    MAX_AMOUNT_MAJOR,
    AmountError,
    Money,
    amount_to_input,
    format_money,
    minor_digits,
    parse_amount,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def plain(text: str) -> str:
    return text.replace(NBSP, " ").replace(NNBSP, " ")


@pytest.mark.parametrize(
    "amount,currency,language,expected",
    [
        (123456, "CAD", "fr", "1 234,56 $"),
        (123456, "CAD", "en", "$1,234.56"),
        (123456, "USD", "en", "US$1,234.56"),
        (123456, "EUR", "fr", "1 234,56 €"),
        (1234, "JPY", "en", "JP¥1,234"),
        (5, "CAD", "fr-ca", "0,05 $"),
    ],
)
def test_format(amount, currency, language, expected):
    assert plain(format_money(amount, currency, language)) == expected
    assert plain(Money(amount, currency).format(language)) == expected


def test_minor_digits():
    assert (minor_digits("CAD"), minor_digits("JPY"), minor_digits("KWD")) == (2, 0, 3)


@pytest.mark.parametrize(
    "text,language,expected",
    [
        ("12,50", "fr", 1250),
        ("12,5", "fr", 1250),
        ("12", "fr", 1200),
        ("1 234,56", "fr", 123456),
        (f"1{NBSP}234,56", "fr", 123456),
        (f"1{NNBSP}234,56 $", "fr", 123456),
        ("12,50 $", "fr", 1250),
        ("12.50", "en", 1250),
        ("1,234.56", "en", 123456),
        ("$1,234.56", "en", 123456),
        ("CA$ 12", "en", 1200),
        ("1,234", "en", 123400),
        ("  7.00  ", "en", 700),
        ("12.500", "en", 1250),
    ],
)
def test_parse_valid(text, language, expected):
    assert parse_amount(text, "CAD", language) == expected


@pytest.mark.parametrize(
    "text,language,code",
    [
        ("", "en", "required"),
        ("   ", "fr", "required"),
        ("abc", "en", "invalid"),
        ("1.234", "fr", "too_many_decimals"),
        ("12,500", "en", "ambiguous"),  # $12,500.00 or $12.50
        ("1,23,4", "en", "invalid"),
        ("1e3", "en", "invalid"),
        ("nan", "en", "invalid"),
        ("inf", "en", "invalid"),
        ("12.5.0", "en", "invalid"),
        ("1,234", "fr", "too_many_decimals"),
        ("12.505", "en", "too_many_decimals"),
        ("0", "en", "not_positive"),
        ("0,00", "fr", "not_positive"),
        ("-5", "en", "not_positive"),
        ("1000000.01", "en", "too_large"),
    ],
)
def test_parse_errors(text, language, code):
    with pytest.raises(AmountError) as e:
        parse_amount(text, "CAD", language)
    assert e.value.code == code
    assert str(e.value)  # a message for people


def test_currency_precision_in_parsing():
    assert parse_amount("1234", "JPY", "en") == 1234
    with pytest.raises(AmountError) as e:
        parse_amount("12.5", "JPY", "en")
    assert e.value.code == "too_many_decimals"
    assert parse_amount("1.234", "KWD", "en") == 1234


def test_input_format():
    assert amount_to_input(1250, "CAD", "fr") == "12,50"
    assert amount_to_input(1250, "CAD", "en") == "12.50"
    assert amount_to_input(1250, "JPY", "en") == "1250"


amounts = st.integers(min_value=1, max_value=MAX_AMOUNT_MAJOR * 100)
currencies = st.sampled_from(["CAD", "USD", "EUR", "JPY"])
languages = st.sampled_from(["fr", "en"])


@given(amounts, currencies, languages)
def test_round_trip_through_input(amount, currency, language):
    amount = min(amount, MAX_AMOUNT_MAJOR * 10 ** minor_digits(currency))
    assert parse_amount(amount_to_input(amount, currency, language), currency, language) == amount


@given(amounts, st.sampled_from(["CAD", "EUR"]), languages)
def test_round_trip_through_display(amount, currency, language):
    assert parse_amount(format_money(amount, currency, language), currency, language) == amount


@given(st.text(max_size=30), currencies, languages)
def test_any_text_is_a_valid_amount_or_a_clear_error(text, currency, language):
    try:
        value = parse_amount(text, currency, language)
    except AmountError as e:
        assert e.code in {
            "required",
            "invalid",
            "too_many_decimals",
            "not_positive",
            "too_large",
            "ambiguous",
        }
    else:
        assert isinstance(value, int) and 0 < value <= MAX_AMOUNT_MAJOR * 10 ** minor_digits(
            currency
        )
        # Never another amount than the one typed: the digits are all there.
        digits = "".join(ch for ch in text if ch.isdigit())
        assert digits.lstrip("0").rstrip("0") in str(value) or not digits.strip("0")
