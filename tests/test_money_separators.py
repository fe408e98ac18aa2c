"""Amounts typed with either decimal separator, in either language (issue 10)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paylinks.money import AmountError, format_money, parse_amount

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "text,expected",
    [
        ("12.50", 1250),
        ("12,50", 1250),
        ("12,5", 1250),
        ("1 234,56", 123456),
        (f"1{NBSP}234.56", 123456),
        ("1,234.56", 123456),
        ("1.234,56", 123456),
        ("12.500", 1250),
        ("$12,50", 1250),
        (f"12.50{NBSP}$", 1250),
    ],
)
def test_either_separator_in_either_language(text, language, expected):
    assert parse_amount(text, "CAD", language) == expected


def test_a_comma_groups_thousands_in_english_only():
    assert parse_amount("1,234", "CAD", "en") == 123400
    with pytest.raises(AmountError) as e:
        parse_amount("1,234", "CAD", "fr")
    assert e.value.code == "too_many_decimals"


@pytest.mark.parametrize(
    "language,message",
    [
        ("en", "“12,500” could mean $12,500.00 or $12.50: type 12500.00 or 12.50 to say which."),
    ],
)
def test_ambiguous_is_refused_saying_what_was_understood(language, message):
    with pytest.raises(AmountError) as e:
        parse_amount("12,500", "CAD", language)
    assert e.value.code == "ambiguous" and str(e.value) == message


@pytest.mark.parametrize(
    "text", ["1,234,56", "1.234.56", "1 23,45", "12,50.00", ".5", "5.", "1,2,3"]
)
def test_malformed_groups_are_refused(text):
    for language in ("fr", "en"):
        with pytest.raises(AmountError):
            parse_amount(text, "CAD", language)


amounts = st.integers(min_value=1, max_value=100_000_000)


@given(amounts, st.sampled_from(["fr", "en"]), st.sampled_from(["fr", "en"]))
def test_an_amount_written_in_one_language_is_read_in_the_other(amount, written, read):
    """What a French or English page shows, typed back on a page in either language."""
    text = format_money(amount, "CAD", written)
    assert parse_amount(text, "CAD", read) == amount


@given(
    st.integers(min_value=0, max_value=999_999),
    st.integers(min_value=0, max_value=99),
    st.sampled_from([".", ","]),
    st.sampled_from(["fr", "en"]),
)
def test_two_decimals_after_either_separator(whole, cents, separator, language):
    if whole == cents == 0:
        return
    text = f"{whole}{separator}{cents:02d}"
    assert parse_amount(text, "CAD", language) == whole * 100 + cents


@given(st.integers(min_value=1, max_value=999), st.integers(min_value=0, max_value=999))
def test_comma_and_three_digits_is_never_silently_guessed_in_english(whole, frac):
    """``12,500``: either refused as ambiguous, or the only reading that makes sense."""
    text = f"{whole},{frac:03d}"
    try:
        value = parse_amount(text, "CAD", "en")
    except AmountError as e:
        assert e.code == "ambiguous"
        assert format_money((whole * 1000 + frac) * 100, "CAD", "en") + " or " in str(e)
    else:
        assert value == (whole * 1000 + frac) * 100 and frac % 10 != 0
