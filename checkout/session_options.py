"""Rules for a session's options and a payment link's customer-chosen amount. Pure: amounts
arrive type-checked (JSON numbers) and leave as int minor units; refusals name the field."""

from datetime import datetime, timedelta

from .errors import AmountMismatch, CustomAmountOutOfRange, InvalidAmount, InvalidRequest
from .money import MAX_AMOUNT_MINOR, parse_amount, to_major

MAX_LINE_ITEMS = 100
MAX_QUANTITY = 100_000
LOCALES = ("en", "fr", "ar", "auto")
MIN_LIFETIME = timedelta(minutes=1)
MAX_LIFETIME = timedelta(days=7)


def priced_line_items(items: list[dict], currency: str) -> list[dict]:
    """Checked items ({description, quantity, unitAmount}) with minor-unit prices and line
    totals. An amount problem names lineItems (the message says which item)."""
    priced = []
    for index, item in enumerate(items):
        try:
            unit = parse_amount(item["unitAmount"], currency, f"lineItems[{index}].unitAmount")
        except InvalidAmount as exc:
            raise InvalidAmount(exc.message, field="lineItems") from None
        priced.append(
            {
                "description": item["description"],
                "quantity": item["quantity"],
                "unit_amount": unit,
                "amount": unit * item["quantity"],
            }
        )
    return priced


def session_amount(amount: int | None, line_items: list[dict] | None, currency: str) -> int:
    """The amount to pay: as given, or the exact sum of the items; both must agree."""
    if not line_items:
        if amount is None:
            raise InvalidRequest("Missing required field: amount (or lineItems)", fields=["amount"])
        return amount
    total = sum(item["amount"] for item in line_items)
    if total > MAX_AMOUNT_MINOR:
        raise InvalidAmount("The lineItems add up to too large an amount", field="lineItems")
    if amount is not None and amount != total:
        raise AmountMismatch(
            f"amount must equal the sum of lineItems: {to_major(total, currency)} {currency}",
            field="amount",
        )
    return total


def check_expiry(expires_at: datetime, now: datetime) -> datetime:
    if not MIN_LIFETIME <= expires_at - now <= MAX_LIFETIME:
        raise InvalidRequest(
            "expiresAt must be from 1 minute to 7 days from now", field="expiresAt"
        )
    return expires_at


def custom_amount(raw: dict, currency: str) -> dict:
    """{minimum, maximum, preset?} in minor units; minimum <= preset <= maximum."""
    parsed = {}
    for name in ("minimum", "maximum", "preset"):
        if raw.get(name) is None:
            continue
        try:
            parsed[name] = parse_amount(raw[name], currency, f"customAmount.{name}")
        except InvalidAmount as exc:
            raise InvalidAmount(exc.message, field="customAmount") from None
    if parsed["minimum"] > parsed["maximum"]:
        raise InvalidRequest(
            "customAmount.minimum must not be above customAmount.maximum", field="customAmount"
        )
    preset = parsed.get("preset")
    if preset is not None and not parsed["minimum"] <= preset <= parsed["maximum"]:
        raise InvalidRequest(
            "customAmount.preset must be from minimum to maximum", field="customAmount"
        )
    return {"minimum": parsed["minimum"], "maximum": parsed["maximum"], "preset": preset}


def chosen_amount(amount: int, bounds: dict) -> int:
    if not bounds["minimum"] <= amount <= bounds["maximum"]:
        raise CustomAmountOutOfRange(field="amount")
    return amount
