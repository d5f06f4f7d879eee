"""The operators' audit log. Append-only: this module can insert and read, nothing else,
and no code path updates or deletes an entry."""

from pymongo import DESCENDING


async def append(db, entry: dict, session=None) -> None:
    await db.audit_log.insert_one(entry, session=session)


async def latest(db, limit: int = 200, before=None) -> list[dict]:
    query = {"_id": {"$lt": before}} if before is not None else {}
    cursor = db.audit_log.find(query).sort("_id", DESCENDING).limit(limit)
    return await cursor.to_list(length=limit)
