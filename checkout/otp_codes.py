"""One-time codes for large payments: pure rules, no I/O (services/otp.py does the rest).

A code has six digits, a million values: like a PIN it is protected by its limits (five
tries, five minutes, one code at a time), not by its hash. The hash is keyed so that what
Redis holds cannot be turned back into the code without the server's secret.
"""

import hashlib
import hmac
import re
import secrets
from decimal import Decimal

from .money import exponent

CODE_PATTERN = re.compile(r"^[0-9]{6}$")
# The key's label: codes get their own key, derived from PIN_PEPPER, so a code's hash and
# a PIN's hash never share a key.
KEY_LABEL = b"checkout one-time payment codes"


def new_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def new_challenge_id() -> str:
    return "otp_" + secrets.token_hex(16)


def code_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), KEY_LABEL, hashlib.sha256).digest()


def code_hash(key: bytes, challenge_id: str, code: str) -> str:
    """Keyed hash of a code; the challenge id in the message makes equal codes of two
    challenges hash differently."""
    return hmac.new(key, f"{challenge_id}:{code}".encode(), hashlib.sha256).hexdigest()


def is_code(value: object) -> bool:
    return isinstance(value, str) and CODE_PATTERN.match(value) is not None


def threshold_minor(threshold: Decimal, currency: str) -> int:
    """OTP_THRESHOLD (major units) in minor units of the currency; 0 means off."""
    return int(threshold.scaleb(exponent(currency)))


def needs_code(threshold: Decimal, total: int, currency: str) -> bool:
    """A payment needs a code when its total (amount plus fee) is at least the threshold."""
    limit = threshold_minor(threshold, currency)
    return limit > 0 and total >= limit


def mask_email(email: str) -> str:
    """j•••@example.com: enough for the payer to recognise the address, not to learn it."""
    local, at, domain = email.rpartition("@")
    if not at:
        return "•••"
    return f"{local[:1]}•••@{domain}"
