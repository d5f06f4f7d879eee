"""The schema version document: which migrations this database has had."""

from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

SCHEMA_ID = "schema"


async def read_version(db: AsyncDatabase) -> int:
    """The version `python -m checkout migrate` last recorded; 0 for a new database."""
    doc = await db.schema_meta.find_one({"_id": SCHEMA_ID})
    return int(doc["version"]) if doc else 0


async def record_version(db: AsyncDatabase, version: int, now: datetime) -> None:
    await db.schema_meta.update_one(
        {"_id": SCHEMA_ID},
        {"$set": {"version": version, "migrated_at": now}},
        upsert=True,
    )
