"""Amounts and fees. Pure functions: money is an int of minor units inside the app.

Decimal only at the edges (parsing requests, writing responses); never float.
"""

from decimal import ROUND_HALF_UP, Decimal

from .errors import InvalidAmount

# ISO 4217 minor-unit exponents of the currencies a deployment may choose.
CURRENCY_EXPONENTS = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "INR": 2,
    "CAD": 2,
    "AUD": 2,
    "CHF": 2,
    "NGN": 2,
    "KES": 2,
    "ZAR": 2,
    "BRL": 2,
    "MXN": 2,
    "AED": 2,
    "ILS": 2,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "BHD": 3,
}

# A single payment above this is a typo or an attack, not a purchase. Keeping every
# amount well inside int64 also keeps balances and sums safe in MongoDB.
MAX_AMOUNT_MINOR = 10**12


def exponent(currency: str) -> int:
    return CURRENCY_EXPONENTS[currency]


def parse_amount(value: object, currency: str, field: str = "amount") -> int:
    """A request amount in major units (JSON number parsed as Decimal or int) -> minor units."""
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise InvalidAmount(f"{field} must be a number, e.g. 12.50", field=field)
    amount = Decimal(value)
    if not amount.is_finite():
        raise InvalidAmount(f"{field} must be a finite number", field=field)
    if amount.adjusted() > 15:  # before scaling: 1e999999 must not overflow the context
        raise InvalidAmount(f"{field} is too large", field=field)
    # Exact integer arithmetic, not Decimal arithmetic: that rounds to the context's 28
    # significant digits and would take 999999999.99999999999999999999 as 1000000000.00.
    # Trailing zeros are not precision, so 12.500000000000000000000000000000 is 12.50.
    digits = exponent(currency)
    sign, coefficient, exponent_ = amount.as_tuple()
    assert isinstance(exponent_, int)  # finite: checked above
    power = exponent_
    text = "".join(map(str, coefficient)).rstrip("0")
    if not text or sign:
        raise InvalidAmount(f"{field} must be greater than zero", field=field)
    power += len(coefficient) - len(text) + digits  # now minor = int(text) * 10**power
    if power < 0:
        raise InvalidAmount(
            f"{field} has more than {digits} decimal places for {currency}", field=field
        )
    minor: int = int(text) * 10**power  # power <= 15 + digits: adjusted() was checked above
    if minor > MAX_AMOUNT_MINOR:
        raise InvalidAmount(f"{field} is too large", field=field)
    return minor


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units -> Decimal major units with the currency's decimal places (12.50)."""
    digits = exponent(currency)
    return Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def service_fee(amount_minor: int, fee_percent: Decimal) -> int:
    """The shopper's fee on top of an amount: percent of it, rounded half up to a minor unit."""
    fee = (Decimal(amount_minor) * fee_percent / Decimal(100)).quantize(
        Decimal(1), rounding=ROUND_HALF_UP
    )
    return int(fee)


def format_amount(minor: int, currency: str) -> str:
    """Plain display form, e.g. '1,234.50 USD' (locale-aware formatting lives in the page layer)."""
    major = to_major(minor, currency)
    return f"{major:,} {currency}"
