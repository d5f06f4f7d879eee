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


async def find_password_hash(db, account_id) -> str | None:
    account = await db.accounts.find_one({"_id": account_id}, {"password_hash": 1})
    return None if account is None else account["password_hash"]


async def find_accounts(db, account_ids, session=None) -> dict:
    """id -> account, for the ids that exist (one query)."""
    cursor = db.accounts.find({"_id": {"$in": list(account_ids)}}, session=session)
    return {account["_id"]: account async for account in cursor}


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


async def mark_email_verified(db, account_id, email: str, now, session=None) -> dict | None:
    """Verified, if the account still has this email; None otherwise."""
    return await db.accounts.find_one_and_update(
        {"_id": account_id, "email": email},
        {"$set": {"email_verified_at": now}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def reset_password(
    db, account_id, password_hash: str, mailed_to: str, now, session=None
) -> dict:
    """A new password from a reset link: moves the token version on (every login token and
    dashboard session of the old one stops working) and, the link having reached the
    mailbox, marks the email verified if it is still the address the link went to.
    Returns the account after."""
    account = await db.accounts.find_one_and_update(
        {"_id": account_id},
        {
            "$set": {"password_hash": password_hash, "password_reset_at": now},
            "$inc": {"token_version": 1},
        },
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if (
        account is not None
        and account["email"] == mailed_to
        and not account.get("email_verified_at")
    ):
        await db.accounts.update_one(
            {"_id": account_id}, {"$set": {"email_verified_at": now}}, session=session
        )
        account["email_verified_at"] = now
    return account
