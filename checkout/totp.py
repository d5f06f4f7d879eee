"""Time-based one-time codes for operators (RFC 6238, via pyotp). Pure: no I/O.

A code is accepted for its own 30-second step and one step either side (clock drift);
the caller records the matched step so the same code cannot be used twice."""

import hmac
import re
from datetime import datetime

import pyotp

CODE_PATTERN = re.compile(r"^[0-9]{6}$")
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def matching_step(secret: str, code: object, now: datetime) -> int | None:
    """The time step whose code is `code`, within the allowed drift; None otherwise."""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current, current - DRIFT_STEPS, current + DRIFT_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
