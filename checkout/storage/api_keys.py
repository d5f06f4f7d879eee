"""Secret API keys: only the SHA-256 of a key is stored, and keys are found by it."""

from datetime import timedelta

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import ReturnDocument

# Writing last_used_at on every request would make each API call a MongoDB write;
# minute precision is plenty for "when was this key last used".
TOUCH_INTERVAL = timedelta(seconds=60)


async def insert_key(db, doc: dict) -> None:
    await db.api_keys.insert_one(doc)


async def find_active_key(db, key_hash: str) -> dict | None:
    return await db.api_keys.find_one({"hash": key_hash, "revoked_at": None})


async def list_active_keys(db, account_id) -> list[dict]:
    cursor = db.api_keys.find({"account_id": account_id, "revoked_at": None}).sort("created_at", -1)
    return await cursor.to_list(length=None)


async def revoke_key(db, account_id, key_id: str, now) -> dict | None:
    """Revoke one of the account's active keys; None when it has no such key."""
    try:
        oid = ObjectId(key_id)
    except (InvalidId, TypeError):
        return None
    return await db.api_keys.find_one_and_update(
        {"_id": oid, "account_id": account_id, "revoked_at": None},
        {"$set": {"revoked_at": now}},
        return_document=ReturnDocument.AFTER,
    )


async def touch_key(db, key_id, now) -> None:
    await db.api_keys.update_one(
        {
            "_id": key_id,
            "$or": [{"last_used_at": None}, {"last_used_at": {"$lt": now - TOUCH_INTERVAL}}],
        },
        {"$set": {"last_used_at": now}},
    )
