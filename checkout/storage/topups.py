"""Top-ups: money an operator brings into the closed loop. The unique index on
`reference` is what makes a reference credit once, even for two concurrent submits."""

from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from ..errors import DuplicateIdempotencyKey
from ..statuses import TopUpStatus


async def insert_topup(db, topup: dict, session=None) -> None:
    try:
        await db.topups.insert_one(topup, session=session)
    except DuplicateKeyError:
        raise DuplicateIdempotencyKey("This top-up reference was already used.") from None


async def find_topup(db, topup_id, session=None) -> dict | None:
    if not isinstance(topup_id, str):
        return None
    return await db.topups.find_one({"_id": topup_id}, session=session)


async def find_topup_by_reference(db, reference: str) -> dict | None:
    return await db.topups.find_one({"reference": reference})


async def decide_topup(db, topup_id: str, changes: dict, session) -> bool:
    """pending_approval -> credited|rejected, only from pending_approval (exactly once)."""
    result = await db.topups.update_one(
        {"_id": topup_id, "status": TopUpStatus.PENDING_APPROVAL},
        {"$set": changes},
        session=session,
    )
    return result.modified_count == 1


async def list_topups(db, status: str | None = None, limit: int = 100) -> list[dict]:
    query = {"status": status} if status else {}
    cursor = db.topups.find(query).sort("created_at", DESCENDING).limit(limit)
    return await cursor.to_list(length=limit)
