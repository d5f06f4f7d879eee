"""Secrets: password hashing, PIN hashing, random codes and login tokens.

Pure functions and small classes; callers run argon2 off the event loop.
"""

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from .errors import InvalidRequest, Unauthenticated

PIN_PATTERN = re.compile(r"^[0-9]{6}$")
# No 0/o, 1/l/i: wallet codes are read aloud and typed by shoppers.
CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def random_code(prefix: str, length: int = 10) -> str:
    return prefix + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def new_user_code() -> str:
    return random_code("usr-")


def new_wallet_code() -> str:
    return random_code("wllt-")


def new_session_id() -> str:
    return "cs_" + secrets.token_hex(16)


def new_mail_token() -> str:
    """The secret in a reset or verification link: 256 random bits."""
    return secrets.token_urlsafe(32)


def mail_token_hash(token: str) -> str:
    """What is stored of a mail token. A plain hash is enough: the token is 256 random
    bits, so there is nothing to guess from it, and a copy of the stored hashes opens no
    link."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_pin() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def check_pin_format(pin) -> str:
    if not isinstance(pin, str) or not PIN_PATTERN.match(pin):
        raise InvalidRequest("pin must be exactly 6 digits, as a string", field="pin")
    return pin


def pin_hash(pepper: str, wallet_code: str, pin: str) -> str:
    """Keyed hash of a PIN: without the server-side pepper a stolen hash cannot be brute-forced
    offline, and the wallet code in the message makes equal PINs hash differently."""
    message = f"{wallet_code}:{pin}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def pin_matches(pepper: str, wallet_code: str, pin: str, stored_hash: str) -> bool:
    return hmac.compare_digest(pin_hash(pepper, wallet_code, pin), stored_hash)


class Passwords:
    """argon2id hashing; both methods are CPU-heavy: call them through asyncio.to_thread."""

    def __init__(self, time_cost: int = 3, memory_cost: int = 65536):
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost, parallelism=1, type=Type.ID
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


# A real hash to verify against when the email is unknown, so that a login for an
# unknown email takes as long as one with a wrong password.
def dummy_hash(passwords: Passwords) -> str:
    return passwords.hash(secrets.token_urlsafe(16))


def issue_token(
    secret: str, account_id: str, ttl_seconds: int, now: datetime | None = None, version: int = 0
) -> str:
    """A login token for the account's current token version (`ver`): a password or email
    change moves the version on, which ends every token issued before it."""
    now = now or datetime.now(UTC)
    claims = {
        "sub": account_id,
        "ver": version,
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, token: str) -> tuple[str, int]:
    """(account id, token version) of a valid token; anything else is Unauthenticated.
    A token without `ver` (issued before versions existed) counts as version 0."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired; log in again.") from None
    except jwt.PyJWTError:
        raise Unauthenticated("The token is invalid.") from None
    version = claims.get("ver", 0)
    if type(version) is not int:
        raise Unauthenticated("The token is invalid.")
    return claims["sub"], version
