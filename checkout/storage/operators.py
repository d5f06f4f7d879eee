"""Operators: the people who run the gateway, in their own collection (never accounts)."""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..errors import OperatorExists


async def insert_operator(db, operator: dict) -> None:
    try:
        await db.operators.insert_one(operator)
    except DuplicateKeyError:
        raise OperatorExists() from None


async def find_operator_by_email(db, email: str) -> dict | None:
    return await db.operators.find_one({"email": email})


async def find_operator(db, operator_id) -> dict | None:
    return await db.operators.find_one({"_id": operator_id})


async def complete_enrollment(db, operator_id, password_hash: str, totp_secret: str, now) -> bool:
    """The setup password is replaced and TOTP switched on, once: False if already enrolled."""
    result = await db.operators.update_one(
        {"_id": operator_id, "totp_secret": None},
        {
            "$set": {
                "password_hash": password_hash,
                "totp_secret": totp_secret,
                "enrolled_at": now,
                "session_version": 1,
            }
        },
    )
    return result.modified_count == 1


async def claim_totp_step(db, operator_id, step: int) -> bool:
    """Accept a TOTP time step only if it is newer than the last one used: a code seen
    over a shoulder or replayed from a proxy log cannot sign in a second time."""
    found = await db.operators.find_one_and_update(
        {"_id": operator_id, "last_totp_step": {"$not": {"$gte": step}}},
        {"$set": {"last_totp_step": step}},
        return_document=ReturnDocument.AFTER,
    )
    return found is not None


async def reissue_setup(db, email: str, password_hash: str, expires_at) -> dict | None:
    """Back to first sign-in: a new setup password, no TOTP (the app must be enrolled
    again), so every signed-in console session of this operator stops opening."""
    found: dict | None = await db.operators.find_one_and_update(
        {"email": email},
        {
            "$set": {
                "password_hash": password_hash,
                "totp_secret": None,
                "setup_expires_at": expires_at,
            },
            "$unset": {"last_totp_step": ""},
        },
        return_document=ReturnDocument.AFTER,
    )
    return found


async def disable_operator(db, email: str, now) -> dict | None:
    found: dict | None = await db.operators.find_one_and_update(
        {"email": email},
        {"$set": {"disabled_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    return found
