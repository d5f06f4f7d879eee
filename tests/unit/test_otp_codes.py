from decimal import Decimal

import pytest

from checkout import otp_codes
from checkout.settings import Settings, SettingsError


def test_codes_are_six_digits_and_challenge_ids_are_long():
    codes = {otp_codes.new_code() for _ in range(200)}
    assert all(otp_codes.is_code(c) for c in codes) and len(codes) > 150
    assert len(otp_codes.new_challenge_id()) == len("otp_") + 32


@pytest.mark.parametrize("value", ["12345", "1234567", "12345a", 123456, None, "١٢٣٤٥٦"])
def test_only_six_ascii_digits_are_a_code(value):
    assert not otp_codes.is_code(value)


def test_the_hash_is_keyed_and_bound_to_its_challenge():
    key = otp_codes.code_key("pepper-" * 6)
    digest = otp_codes.code_hash(key, "otp_a", "123456")
    assert digest != otp_codes.code_hash(key, "otp_b", "123456")
    assert digest != otp_codes.code_hash(otp_codes.code_key("other-" * 6), "otp_a", "123456")
    assert "123456" not in digest and len(digest) == 64


@pytest.mark.parametrize(
    ("threshold", "total", "currency", "needed"),
    [
        (Decimal("500"), 50000, "USD", True),  # at the threshold
        (Decimal("500"), 49999, "USD", False),
        (Decimal("0"), 10**9, "USD", False),  # 0 turns it off
        (Decimal("500"), 500, "JPY", True),
        (Decimal("0.5"), 500, "KWD", True),
    ],
)
def test_a_total_at_or_above_the_threshold_needs_a_code(threshold, total, currency, needed):
    assert otp_codes.needs_code(threshold, total, currency) is needed


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jane@example.com", "j•••@example.com"),
        ("j@example.com", "j•••@example.com"),
        ("a.b+c@sub.example.org", "a•••@sub.example.org"),
    ],
)
def test_masked_email_keeps_the_first_letter_and_the_domain(email, masked):
    assert otp_codes.mask_email(email) == masked


def test_otp_threshold_setting():
    secrets = {name: "x" * 32 for name in ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER")}
    assert Settings.from_env(secrets).otp_threshold == Decimal("500")
    assert Settings.from_env({**secrets, "OTP_THRESHOLD": "0"}).otp_threshold == 0
    for bad in ("-1", "0.001", "abc", "NaN"):
        with pytest.raises(SettingsError, match="OTP_THRESHOLD"):
            Settings.from_env({**secrets, "OTP_THRESHOLD": bad})
