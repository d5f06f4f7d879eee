from datetime import UTC, datetime, timedelta

import jwt
import pytest

from checkout import security
from checkout.errors import InvalidRequest, Unauthenticated

SECRET = "s" * 40


def test_pin_hash_is_keyed_and_bound_to_the_wallet():
    h = security.pin_hash("pepper-one", "wllt-a", "123456")
    assert "123456" not in h
    assert h != security.pin_hash("pepper-two", "wllt-a", "123456")
    assert h != security.pin_hash("pepper-one", "wllt-b", "123456")
    assert security.pin_matches("pepper-one", "wllt-a", "123456", h)
    assert not security.pin_matches("pepper-one", "wllt-a", "123457", h)


@pytest.mark.parametrize("pin", ["12345", "1234567", "12345a", 123456, None, {"$ne": ""}, "١٢٣٤٥٦"])
def test_pin_format(pin):
    with pytest.raises(InvalidRequest):
        security.check_pin_format(pin)


def test_generated_pins_and_codes():
    assert all(len(security.new_pin()) == 6 and security.new_pin().isdigit() for _ in range(50))
    codes = {security.new_wallet_code() for _ in range(200)}
    assert len(codes) == 200 and all(c.startswith("wllt-") for c in codes)
    assert security.new_user_code().startswith("usr-")


def test_passwords_use_argon2id():
    passwords = security.Passwords(time_cost=1, memory_cost=1024)
    stored = passwords.hash("correct horse 1")
    assert stored.startswith("$argon2id$")
    assert passwords.verify(stored, "correct horse 1")
    assert not passwords.verify(stored, "wrong")
    assert not passwords.verify("not a hash", "wrong")


def test_token_round_trip_and_expiry():
    token = security.issue_token(SECRET, "abc", 60)
    assert security.read_token(SECRET, token) == ("abc", 0)
    token = security.issue_token(SECRET, "abc", 60, version=3)
    assert security.read_token(SECRET, token) == ("abc", 3)
    unversioned = jwt.encode({"sub": "abc", "exp": 9999999999}, SECRET, algorithm="HS256")
    assert security.read_token(SECRET, unversioned) == ("abc", 0)
    with pytest.raises(Unauthenticated):
        security.read_token(
            SECRET,
            jwt.encode({"sub": "abc", "exp": 9999999999, "ver": "3"}, SECRET, algorithm="HS256"),
        )
    old = security.issue_token(SECRET, "abc", 60, now=datetime.now(UTC) - timedelta(hours=2))
    with pytest.raises(Unauthenticated, match="expired"):
        security.read_token(SECRET, old)
    with pytest.raises(Unauthenticated):
        security.read_token("x" * 40, token)


def test_token_algorithm_is_pinned():
    unsigned = jwt.encode({"sub": "abc", "exp": 9999999999}, None, algorithm="none")
    with pytest.raises(Unauthenticated):
        security.read_token(SECRET, unsigned)
