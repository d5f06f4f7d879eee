"""Payment sessions: the durable record in MongoDB (source of truth for status) and a
copy in Redis with a TTL, which serves the checkout page without touching MongoDB."""
import json
from datetime import datetime

from bson import ObjectId

KEY = "checkout:session:{}"
_DATES = ("created_at", "expires_at", "paid_at", "canceled_at")


async def insert_session(db, doc: dict, session=None) -> None:
    await db.payment_sessions.insert_one(doc, session=session)


async def find_session(db, session_id: str, session=None) -> dict | None:
    if not isinstance(session_id, str):
        return None
    return await db.payment_sessions.find_one({"_id": session_id}, session=session)


async def mark_session_paid(db, session_id: str, payer_wallet: str, now: datetime, session) -> bool:
    """open -> complete, only if still open and not past expiry. False when nothing matched:
    this conditional update is what makes a session payable exactly once."""
    result = await db.payment_sessions.update_one(
        {"_id": session_id, "status": "open", "expires_at": {"$gt": now}},
        {"$set": {"status": "complete", "payer_wallet": payer_wallet, "paid_at": now}},
        session=session,
    )
    return result.modified_count == 1


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


def _dump(doc: dict) -> str:
    data = dict(doc)
    data["account_id"] = str(data["account_id"])
    for name in _DATES:
        if data.get(name) is not None:
            data[name] = data[name].isoformat()
    return json.dumps(data)


def _load(raw: str) -> dict:
    data = json.loads(raw)
    data["account_id"] = ObjectId(data["account_id"])
    for name in _DATES:
        if data.get(name) is not None:
            data[name] = datetime.fromisoformat(data[name])
    return data
