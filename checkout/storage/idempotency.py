"""Idempotency keys in MongoDB: the first response to a key is kept for 24 hours and
replayed to retries. The unique _id is the lock that makes two racing requests with
the same key run the handler only once."""

from datetime import timedelta

from pymongo.errors import DuplicateKeyError

# A request that has held its key this long without finishing is presumed dead. It must
# outlast the longest a request can run (with_transaction retries for up to 120 s), or a
# retry could run a money-moving handler a second time.
IN_FLIGHT_TIMEOUT = timedelta(minutes=10)
KEEP_FOR = timedelta(hours=24)


async def claim_key(db, key_id: str, fingerprint: str, now) -> dict | None:
    """Claim the key for a new request. None when claimed; the existing record otherwise."""
    try:
        await db.idempotency_keys.insert_one(
            {"_id": key_id, "fingerprint": fingerprint, "state": "in_flight", "created_at": now}
        )
        return None
    except DuplicateKeyError:
        pass
    existing = await db.idempotency_keys.find_one({"_id": key_id})
    if existing is None:
        return await claim_key(db, key_id, fingerprint, now)
    stale = (
        existing["state"] == "in_flight" and existing["created_at"] < now - IN_FLIGHT_TIMEOUT
    ) or existing["created_at"] < now - KEEP_FOR
    if stale:
        result = await db.idempotency_keys.replace_one(
            {"_id": key_id, "created_at": existing["created_at"]},
            {"fingerprint": fingerprint, "state": "in_flight", "created_at": now},
        )
        if result.modified_count == 1:
            return None
        existing = await db.idempotency_keys.find_one({"_id": key_id}) or existing
    return existing


async def save_response(db, key_id: str, status: int, body: str) -> None:
    await db.idempotency_keys.update_one(
        {"_id": key_id}, {"$set": {"state": "done", "status": status, "body": body}}
    )


async def release_key(db, key_id: str) -> None:
    await db.idempotency_keys.delete_one({"_id": key_id, "state": "in_flight"})
