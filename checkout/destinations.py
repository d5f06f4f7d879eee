"""Where a withdrawal's money goes: an IBAN with its account holder's name (checked with
python-stdnum: country format, length and check digits), or a free-form reference for
other rails. Pure: no I/O. Stored whole for the payout; shown masked everywhere."""

from stdnum import iban as iban_numbers
from stdnum.exceptions import ValidationError

from .errors import InvalidRequest

MAX_HOLDER = 70  # the SEPA limit for a creditor name
MAX_REFERENCE = 140


def _text(value, field: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(f"{field} must be a non-empty string", field=field)
    value = " ".join(value.split())
    if len(value) > limit or any(ord(c) < 32 for c in value):
        raise InvalidRequest(f"{field} must be at most {limit} printable characters", field=field)
    return value


def parse_destination(
    iban: str | None, holder_name: str | None, reference: str | None
) -> dict | None:
    """The stored destination, or None when none is given. Either iban + holder name, or a
    reference; an invalid IBAN names its field."""
    if iban is None and holder_name is None and reference is None:
        return None
    if reference is not None:
        if iban is not None or holder_name is not None:
            raise InvalidRequest(
                "Give either destination.iban with destination.holderName, or"
                " destination.reference, not both.",
                field="destination",
            )
        return {
            "type": "reference",
            "reference": _text(reference, "destination.reference", MAX_REFERENCE),
        }
    if iban is None or holder_name is None:
        raise InvalidRequest(
            "An IBAN needs the account holder's name: send destination.iban and"
            " destination.holderName.",
            field="destination.iban" if iban is None else "destination.holderName",
        )
    if not isinstance(iban, str):
        raise InvalidRequest("destination.iban must be a string", field="destination.iban")
    try:
        number = iban_numbers.validate(iban)
    except ValidationError:
        raise InvalidRequest(
            "destination.iban is not a valid IBAN: check the country code, length and"
            " check digits.",
            field="destination.iban",
        ) from None
    return {
        "type": "iban",
        "iban": number,
        "holder_name": _text(holder_name, "destination.holderName", MAX_HOLDER),
    }


def mask_destination(destination: dict | None) -> str | None:
    """What anyone but the bank file sees: "DE89 •••• 3000 · Jane Doe" or "ref ••••1234"."""
    if not destination:
        return None
    if destination["type"] == "iban":
        number = destination["iban"]
        return f"{number[:4]} •••• {number[-4:]} · {destination['holder_name']}"
    reference = destination["reference"]
    shown = reference[-4:] if len(reference) > 6 else ""
    return f"Reference ••••{shown}"
