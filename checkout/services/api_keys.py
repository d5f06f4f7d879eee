"""Secret API keys for merchants' servers: shown once, stored only as a SHA-256 hash.

A key carries 256 random bits, so a fast hash is right here (unlike passwords and PINs,
nothing can be guessed offline), and it lets a request find its key by the hash alone.
"""

import hashlib
import logging
import secrets
import string

from bson import ObjectId

from ..errors import ApiKeyNotFound, LoginRequired, Unauthenticated
from ..storage import api_keys as key_store
from ..stores import STORE_ERRORS
from . import Context, accounts, email_verification, utcnow

log = logging.getLogger(__name__)

KEY_PREFIX = "sk_"
BASE62 = string.digits + string.ascii_letters
# 43 base62 digits hold 256 bits (62**43 > 2**256); only letters and digits, so a
# double click selects the whole key.
KEY_DIGITS = 43
SHOWN_PREFIX = len(KEY_PREFIX) + 8


def new_secret() -> str:
    number = int.from_bytes(secrets.token_bytes(32), "big")
    digits = []
    for _ in range(KEY_DIGITS):
        number, digit = divmod(number, 62)
        digits.append(BASE62[digit])
    return KEY_PREFIX + "".join(digits)


def key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


async def create_key(
    ctx: Context, account: dict, label: str | None, *, by_api_key: bool = False
) -> tuple[dict, str]:
    """Returns (stored document, clear secret); the secret is never stored or shown again.
    by_api_key: the caller authenticated with a key, which may not create keys."""
    if by_api_key:
        raise LoginRequired()
    email_verification.require_verified(ctx, account)
    secret = new_secret()
    doc = {
        "_id": ObjectId(),
        "account_id": account["_id"],
        "label": label or "Secret key",
        "prefix": secret[:SHOWN_PREFIX],
        "hash": key_hash(secret),
        "created_at": utcnow(),
        "last_used_at": None,
        "revoked_at": None,
    }
    await key_store.insert_key(ctx.db, doc)
    return doc, secret


async def list_keys(ctx: Context, account: dict) -> list[dict]:
    return await key_store.list_active_keys(ctx.db, account["_id"])


async def revoke_key(ctx: Context, account: dict, key_id) -> dict:
    doc = (
        await key_store.revoke_key(ctx.db, account["_id"], key_id, utcnow())
        if isinstance(key_id, str)
        else None
    )
    if doc is None:
        # Someone else's key gets the same answer as an unknown one.
        raise ApiKeyNotFound()
    return doc


async def authenticate_key(ctx: Context, secret: str) -> dict:
    """The account a secret key belongs to; unknown or revoked keys are Unauthenticated."""
    if len(secret) > 100:
        raise Unauthenticated("The API key is invalid or has been revoked.")
    doc = await key_store.find_active_key(ctx.db, key_hash(secret))
    if doc is None:
        raise Unauthenticated("The API key is invalid or has been revoked.")
    account = await accounts.account_for_request(ctx, str(doc["account_id"]))
    if account is None:
        raise Unauthenticated("The account for this API key no longer exists.")
    now = utcnow()
    last_used = doc.get("last_used_at")
    if last_used is not None and last_used >= now - key_store.TOUCH_INTERVAL:
        return account  # recorded less than a minute ago: no write on this request
    try:
        await key_store.touch_key(ctx.db, doc["_id"], now)
    except STORE_ERRORS:  # last-used time is informative; never fail the request for it
        log.warning("could not record last use of API key %s", doc["prefix"])
    return account
