import pytest

from checkout.destinations import mask_destination, parse_destination
from checkout.errors import InvalidRequest


def test_an_iban_is_compacted_checked_and_masked():
    stored = parse_destination("de89 3704 0044 0532 0130 00", "  Jane   Doe ", None)
    assert stored == {"type": "iban", "iban": "DE89370400440532013000", "holder_name": "Jane Doe"}
    assert mask_destination(stored) == "DE89 •••• 3000 · Jane Doe"


@pytest.mark.parametrize(
    "iban",
    ["DE89 3704 0044 0532 0130 01", "DE89", "XX89370400440532013000", "not an iban", 12],
)
def test_a_bad_iban_names_its_field(iban):
    with pytest.raises(InvalidRequest) as refused:
        parse_destination(iban, "Jane Doe", None)
    assert refused.value.details["field"] == "destination.iban"


def test_an_iban_needs_a_holder_and_not_a_reference_too():
    with pytest.raises(InvalidRequest) as missing:
        parse_destination("DE89370400440532013000", None, None)
    assert missing.value.details["field"] == "destination.holderName"
    with pytest.raises(InvalidRequest):
        parse_destination("DE89370400440532013000", "Jane", "ref-1")
    with pytest.raises(InvalidRequest):
        parse_destination(None, "x" * 71, None)


def test_a_reference_is_kept_and_shown_by_its_end_only():
    stored = parse_destination(None, None, "mpesa:254700000123")
    assert stored == {"type": "reference", "reference": "mpesa:254700000123"}
    assert mask_destination(stored) == "Reference ••••0123"
    assert mask_destination(None) is None
    assert parse_destination(None, None, None) is None
