from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..errors import EmailTaken


async def insert_account(db, account: dict, session=None) -> None:
    try:
        await db.accounts.insert_one(account, session=session)
    except DuplicateKeyError as exc:
        if "email" in str(exc):
            raise EmailTaken() from None
        raise


async def find_account_by_email(db, email: str) -> dict | None:
    return await db.accounts.find_one({"email": email})


async def find_account(db, account_id: str) -> dict | None:
    try:
        oid = ObjectId(account_id)
    except (InvalidId, TypeError):
        return None
    return await db.accounts.find_one({"_id": oid})


async def update_account(db, account_id, changes: dict) -> None:
    try:
        await db.accounts.update_one({"_id": account_id}, {"$set": changes})
    except DuplicateKeyError:
        raise EmailTaken() from None


async def set_frozen(db, account_id, frozen: bool, now, session) -> dict | None:
    """Freeze or unfreeze; returns the account before the change (None: no such account)."""
    return await db.accounts.find_one_and_update(
        {"_id": account_id},
        {"$set": {"frozen": frozen, "frozen_changed_at": now}},
        session=session,
    )


async def update_credentials(db, account_id, changes: dict) -> dict | None:
    """Apply a password or email change and move the token version on, in one write, so
    no token or dashboard session of the old version outlives it. Returns the account after."""
    try:
        return await db.accounts.find_one_and_update(
            {"_id": account_id},
            {"$set": changes, "$inc": {"token_version": 1}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        raise EmailTaken() from None
