from decimal import Decimal

import pytest

from checkout.errors import InvalidAmount
from checkout.money import MAX_AMOUNT_MINOR, format_amount, parse_amount, service_fee, to_major


@pytest.mark.parametrize(
    "value, currency, minor",
    [
        (Decimal("12.50"), "USD", 1250),
        (Decimal("0.01"), "USD", 1),
        (12, "USD", 1200),
        (Decimal("1E+2"), "USD", 10000),
        (Decimal("500"), "JPY", 500),
        (Decimal("1.234"), "KWD", 1234),
        (Decimal("12.500"), "USD", 1250),  # trailing zeros are not extra precision
        (Decimal("1e2"), "USD", 10000),
        (Decimal("1.2345e3"), "KWD", 1234500),
    ],
)
def test_parse_amount_to_minor_units(value, currency, minor):
    assert parse_amount(value, currency) == minor
    assert isinstance(parse_amount(value, currency), int)


@pytest.mark.parametrize(
    "value",
    [
        Decimal("0"),
        Decimal("-1"),
        Decimal("0.001"),
        Decimal("12.345"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        "12.50",
        "abc",
        None,
        True,
        12.5,
        [1],
        {"$gt": 0},
        Decimal(MAX_AMOUNT_MINOR) / 100 + 1,
        Decimal("1e30"),
        Decimal("1e999999"),
        Decimal("-1e999999"),
    ],
)
def test_parse_amount_refuses_bad_values(value):
    with pytest.raises(InvalidAmount):
        parse_amount(value, "USD")


@pytest.mark.parametrize(
    "text",
    [
        "999999999.99999999999999999999",  # 29 significant digits: was rounded to 1000000000.00
        "0.0100000000000000000000000000001",
        "12.5000000000000000000000000000001",
        "1e-999999999",
        "1.00000000000000000000000000000000001e2",
    ],
)
def test_parse_amount_refuses_more_digits_than_the_currency_has_without_rounding(text):
    with pytest.raises(InvalidAmount, match="decimal places"):
        parse_amount(Decimal(text), "USD")


@pytest.mark.parametrize(
    "text, minor",
    [
        ("12.500000000000000000000000000000", 1250),  # 32 significant digits, all exact
        ("999999999.990000000000000000000000", 99999999999),
        ("0.010000000000000000000000000000000000000", 1),
        ("1000000000.00000000000000000000000000", 100000000000),
    ],
)
def test_parse_amount_accepts_long_values_whose_extra_digits_are_trailing_zeros(text, minor):
    assert parse_amount(Decimal(text), "USD") == minor


def test_parse_amount_of_zero_with_a_huge_negative_exponent_is_not_positive():
    with pytest.raises(InvalidAmount, match="greater than zero"):
        parse_amount(Decimal("0e-999999999"), "USD")


def test_parse_amount_refuses_decimals_a_currency_lacks():
    with pytest.raises(InvalidAmount, match="0 decimal places"):
        parse_amount(Decimal("1.5"), "JPY")


@pytest.mark.parametrize(
    "amount, percent, fee",
    [
        (1000, Decimal("0.2"), 2),  # 10.00 -> 0.02
        (1250, Decimal("0.2"), 3),  # 2.5 cents rounds half up to 3
        (1249, Decimal("0.2"), 2),  # 2.498 -> 2
        (1, Decimal("0.2"), 0),
        (250, Decimal("0.2"), 1),  # exactly 0.5 -> 1
        (100000, Decimal("2.9"), 2900),
        (1000, Decimal("0"), 0),
    ],
)
def test_service_fee_rounds_half_up_to_minor_unit(amount, percent, fee):
    assert service_fee(amount, percent) == fee


def test_to_major_keeps_currency_places_exactly():
    assert to_major(84970, "USD") == Decimal("849.70")
    assert str(to_major(84970, "USD")) == "849.70"
    assert str(to_major(5, "JPY")) == "5"
    assert str(to_major(1, "KWD")) == "0.001"


def test_format_amount():
    assert format_amount(123450, "USD") == "1,234.50 USD"


def test_many_small_fees_never_drift():
    # The original stored floats and showed 849.6999999999999; integers cannot drift.
    balance = 100000
    for _ in range(1000):
        balance -= 10 + service_fee(10, Decimal("0.2"))
    assert balance == 100000 - 1000 * 10
