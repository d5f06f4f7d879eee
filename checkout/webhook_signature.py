"""Webhook signatures. Pure and standard library only, so a receiver can copy this file.

Every webhook request carries

    Checkout-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

The key is the endpoint's whole signing secret (including its "whsec_" prefix) as UTF-8.
Verify against the raw request body, before parsing it: re-serialised JSON differs.

For 24 hours after a secret is rotated the header carries one v1 per secret, the new
one first (t=...,v1=<new>,v1=<old>): a receiver holding either secret accepts it.
"""

import hashlib
import hmac
import time

HEADER = "Checkout-Signature"
DEFAULT_TOLERANCE = 300


class InvalidSignature(ValueError):
    """The request was not signed with this secret, was altered, or is too old."""


def compute_signature(payload: bytes, secret: str, timestamp: int) -> str:
    signed = str(int(timestamp)).encode() + b"." + payload
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(
    payload: bytes, secret: str | list[str] | tuple[str, ...], timestamp: int | None = None
) -> str:
    """The Checkout-Signature header value for payload: one v1 per secret, in order."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    keys = [secret] if isinstance(secret, str) else list(secret)
    return f"t={t}," + ",".join(f"v1={compute_signature(payload, k, t)}" for k in keys)


def verify_signature(
    payload,
    header: str | None,
    secret: str,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> bool:
    """True when header signs payload with secret within tolerance seconds of now;
    raises InvalidSignature otherwise (so a forgotten check cannot pass silently).

    Several v1 values are accepted (any one may match), which allows rotating secrets.
    """
    if isinstance(payload, str):
        payload = payload.encode()
    if not isinstance(payload, (bytes, bytearray)):
        raise InvalidSignature("payload must be the raw request body")
    timestamp, signatures = _parse(header)
    expected = compute_signature(bytes(payload), secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise InvalidSignature("no signature matches the payload")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise InvalidSignature("timestamp outside the tolerance (replayed or clock skew)")
    return True


def _parse(header) -> tuple[int, list[str]]:
    if not isinstance(header, str) or not header:
        raise InvalidSignature(f"missing {HEADER} header")
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise InvalidSignature(f"malformed {HEADER} header")
    return timestamp, signatures
