"""The one JSON encoding (checkout/jsonenc.py) and the places that must use it."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from bson import ObjectId

from checkout import create_app
from checkout.jsonenc import dumps, loads
from checkout.services.events import event_body
from checkout.settings import Settings


def test_decimals_are_numbers_and_other_types_have_one_spelling():
    when = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    oid = ObjectId("0123456789abcdef01234567")
    text = dumps({"b": Decimal("12.50"), "a": when, "c": oid, "d": "caf\u00e9 \ud800"})
    assert text == (
        '{"a":"2024-05-01T12:00:00.123Z","b":12.50,'
        '"c":"0123456789abcdef01234567","d":"caf\\u00e9 \\ud800"}'
    )
    text.encode("ascii")  # never a body UTF-8 cannot carry
    assert loads(text)["b"] == Decimal("12.50")


def test_an_unknown_type_is_an_error_not_a_silent_string():
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_the_quart_provider_and_event_bodies_use_it():
    app = create_app(
        Settings(jwt_secret="j" * 40, secret_key="s" * 40, pin_pepper="p" * 40, environment="test")
    )
    value = {"refundable": Decimal("6.00"), "at": datetime(2024, 1, 1, tzinfo=UTC)}
    assert app.json.dumps(value) == dumps(value)
    created = datetime(2024, 1, 1, tzinfo=UTC)
    assert event_body("evt_1", "refund.succeeded", created, value) == dumps(
        {
            "id": "evt_1",
            "type": "refund.succeeded",
            "created": int(created.timestamp()),
            "data": value,
        }
    )
