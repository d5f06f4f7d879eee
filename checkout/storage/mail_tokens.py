"""Single-use tokens sent by mail (password reset, email verification). Only a hash of each
token is stored: a copy of the database cannot be turned into working links."""

from pymongo import ReturnDocument


async def insert_token(
    db, token_hash: str, purpose: str, account: dict, now, lifetime, session=None
) -> None:
    """A new unused token for the account's current email, valid for lifetime."""
    await db.mail_tokens.insert_one(
        {
            "_id": token_hash,
            "purpose": purpose,
            "account_id": account["_id"],
            "email": account["email"],
            "created_at": now,
            "expires_at": now + lifetime,
            "used_at": None,
        },
        session=session,
    )


async def use_token(db, token_hash: str, purpose: str, now, session=None) -> dict | None:
    """Mark the token used, if it exists for this purpose, is unused and has not expired:
    one conditional write, so of two concurrent uses exactly one gets it."""
    return await db.mail_tokens.find_one_and_update(
        {"_id": token_hash, "purpose": purpose, "used_at": None, "expires_at": {"$gt": now}},
        {"$set": {"used_at": now}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def retire_tokens(db, account_id, purpose: str, now, session=None) -> None:
    """Every unused token of this account and purpose stops working."""
    await db.mail_tokens.update_many(
        {"account_id": account_id, "purpose": purpose, "used_at": None},
        {"$set": {"used_at": now}},
        session=session,
    )
