"""Payment sessions: the durable record in MongoDB (source of truth for status) and a
copy in Redis with a TTL, which serves the checkout page without touching MongoDB."""

from datetime import datetime

from bson import ObjectId
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import DuplicateKeyError

from ..errors import DuplicateIdempotencyKey
from ..jsonenc import dumps, loads
from ..statuses import SessionStatus
from .pages import newest_first

KEY = "checkout:session:{}"
_DATES = ("created_at", "expires_at", "paid_at", "canceled_at")


async def insert_session(db, doc: dict, session=None) -> None:
    try:
        await db.payment_sessions.insert_one(doc, session=session)
    except DuplicateKeyError:
        if "idempotency_key" in doc:
            raise DuplicateIdempotencyKey() from None
        raise


async def find_session_by_idempotency_key(db, key: str) -> dict | None:
    return await db.payment_sessions.find_one({"idempotency_key": key})


async def find_session(db, session_id: str, session=None) -> dict | None:
    if not isinstance(session_id, str):
        return None
    return await db.payment_sessions.find_one({"_id": session_id}, session=session)


async def mark_session_paid(db, session_id: str, payer_wallet: str, now: datetime, session) -> bool:
    """open -> complete, only if still open and not past expiry. False when nothing matched:
    this conditional update is what makes a session payable exactly once."""
    result = await db.payment_sessions.update_one(
        {"_id": session_id, "status": SessionStatus.OPEN, "expires_at": {"$gt": now}},
        {"$set": {"status": SessionStatus.COMPLETE, "payer_wallet": payer_wallet, "paid_at": now}},
        session=session,
    )
    return result.modified_count == 1


async def find_sessions(db, session_ids: list[str], session) -> list[dict]:
    return await db.payment_sessions.find({"_id": {"$in": session_ids}}, session=session).to_list(
        length=None
    )


async def complete_sessions(db, completions: list[dict], session) -> bool:
    """open -> complete for many sessions in one command (a batch of payments), each only
    if still open and not past its payment time. completions: {"_id", "payer_wallet",
    "paid_at", "payer_locked_spent"}. False when any did not match: the caller's
    transaction must then run again (the batch read them open in its snapshot)."""
    if not completions:
        return True
    result = await db.payment_sessions.bulk_write(
        [
            UpdateOne(
                {
                    "_id": c["_id"],
                    "status": SessionStatus.OPEN,
                    "expires_at": {"$gt": c["paid_at"]},
                },
                {
                    "$set": {
                        "status": SessionStatus.COMPLETE,
                        "payer_wallet": c["payer_wallet"],
                        "paid_at": c["paid_at"],
                        **(
                            {"payer_locked_spent": c["payer_locked_spent"]}
                            if c["payer_locked_spent"]
                            else {}
                        ),
                    }
                },
            )
            for c in completions
        ],
        ordered=True,
        session=session,
    )
    return result.modified_count == len(completions)


async def flag_open_sessions_frozen(db, account_id, frozen: bool, session) -> list[str]:
    """Copy a freeze onto the merchant's open sessions (returns their ids). The pay batch
    already reads each session it pays, so the check costs it nothing; and because freezing
    writes these documents, a batch that read one before the freeze conflicts and runs
    again, then sees the flag: no payment slips in past a committed freeze."""
    query = {"account_id": account_id, "status": SessionStatus.OPEN}
    ids = [
        d["_id"]
        for d in await db.payment_sessions.find(query, {"_id": 1}, session=session).to_list(None)
    ]
    if ids:
        await db.payment_sessions.update_many(
            {"_id": {"$in": ids}, "status": SessionStatus.OPEN},
            {"$set": {"account_frozen": frozen}},
            session=session,
        )
    return ids


async def forget_cached_sessions(redis, session_ids: list[str]) -> None:
    if session_ids:
        await redis.delete(*(KEY.format(s) for s in session_ids))


async def record_locked_spent(db, session_id: str, amount: int, session) -> None:
    """How much of the payer's locked welcome credit paid this session."""
    await db.payment_sessions.update_one(
        {"_id": session_id}, {"$set": {"payer_locked_spent": amount}}, session=session
    )


async def cache_session(redis, doc: dict, ttl_seconds: int) -> None:
    if ttl_seconds <= 0:
        await redis.delete(KEY.format(doc["_id"]))
        return
    await redis.set(KEY.format(doc["_id"]), _dump(doc), ex=ttl_seconds)


async def get_cached_session(redis, session_id: str) -> dict | None:
    raw = await redis.get(KEY.format(session_id))
    return _load(raw) if raw else None


async def forget_cached_session(redis, session_id: str) -> None:
    await redis.delete(KEY.format(session_id))


async def cached_seconds_left(redis, session_id: str) -> int | None:
    """How long Redis keeps its copy; None when it has none."""
    ttl = await redis.ttl(KEY.format(session_id))
    return ttl if ttl >= 0 else None


def _dump(doc: dict) -> str:
    # Dates as full isoformat() here, not the encoder's milliseconds: the copy must read
    # back as exactly the record it was made from.
    data = dict(doc)
    data["account_id"] = str(data["account_id"])
    for name in _DATES:
        if data.get(name) is not None:
            data[name] = data[name].isoformat()
    return dumps(data)


def _load(raw: str) -> dict:
    data = loads(raw)
    data["account_id"] = ObjectId(data["account_id"])
    for name in _DATES:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return data


# Session lifecycle: cancel, expiry sweep, listing.


async def mark_session_canceled(db, session_id: str, now: datetime, session) -> dict | None:
    """open (and not past expiry) -> canceled; the updated record, or None if not open."""
    return await db.payment_sessions.find_one_and_update(
        {"_id": session_id, "status": SessionStatus.OPEN, "expires_at": {"$gt": now}},
        {"$set": {"status": SessionStatus.CANCELED, "canceled_at": now}},
        session=session,
        return_document=ReturnDocument.AFTER,
    )


async def mark_session_expired(db, session_id: str, now: datetime, session) -> dict | None:
    """open and past expiry -> expired; None when another sweeper (or a payment) got there
    first, which is what makes the expired event happen once."""
    return await db.payment_sessions.find_one_and_update(
        {"_id": session_id, "status": SessionStatus.OPEN, "expires_at": {"$lte": now}},
        {"$set": {"status": SessionStatus.EXPIRED}},
        session=session,
        return_document=ReturnDocument.AFTER,
    )


async def find_overdue_session_ids(db, now: datetime, limit: int) -> list[str]:
    cursor = (
        db.payment_sessions.find(
            {"status": SessionStatus.OPEN, "expires_at": {"$lte": now}}, {"_id": 1}
        )
        .sort("expires_at", 1)
        .limit(limit)
    )
    return [doc["_id"] async for doc in cursor]


async def list_account_sessions(
    db, account_id, query: dict, limit: int, after: dict | None
) -> list[dict]:
    """Newest first; after is the last session of the previous page."""
    query = {"account_id": account_id, **query}
    return await newest_first(db.payment_sessions, query, limit, after)
