"""Events: the outbox in MongoDB (the truth, written in the same transaction as the change
an event describes) and the Redis Stream that carries event ids to the webhook workers."""

from datetime import datetime

from redis.exceptions import ResponseError

from .pages import newest_first

STREAM = "checkout:events"
GROUP = "webhook-delivery"
# Trimmed approximately; an entry trimmed before any worker read it is not lost, because
# the relay re-publishes outbox entries that were never dispatched.
STREAM_MAXLEN = 100_000


async def insert_event(db, doc: dict, session) -> None:
    await db.events.insert_one(doc, session=session)


async def insert_events(db, docs: list[dict], session) -> None:
    if docs:
        await db.events.insert_many(docs, session=session)


async def find_event(db, event_id) -> dict | None:
    if not isinstance(event_id, str):
        return None
    return await db.events.find_one({"_id": event_id})


async def list_account_events(
    db, account_id, since, event_type: str | None, limit: int, after: dict | None
) -> list[dict]:
    """Newest first, created at or after since; after is the last event of the previous
    page."""
    query = {"account_id": account_id, "created_at": {"$gte": since}}
    if event_type is not None:
        query["type"] = event_type
    return await newest_first(db.events, query, limit, after)


async def find_events(db, event_ids: list) -> dict[str, dict]:
    ids = [i for i in event_ids if isinstance(i, str)]
    if not ids:
        return {}
    return {doc["_id"]: doc async for doc in db.events.find({"_id": {"$in": ids}})}


async def find_events_for_subject(db, subject: str) -> list[dict]:
    return await db.events.find({"subject": subject}).sort("created_at", 1).to_list(None)


async def find_undispatched(
    db, created_before: datetime | None, published_before: datetime, limit: int
) -> list[dict]:
    """Events no worker has fanned out yet: never pushed by the relay and older than
    created_before (None: leave those alone), or pushed by the relay before
    published_before and still not dispatched (the stream entry was lost, e.g. Redis
    restarted). A request's own push leaves no mark (services/events.publish_pending)."""
    stale: list[dict] = [{"published_at": {"$lt": published_before}}]
    if created_before is not None:
        stale.insert(0, {"published_at": None, "created_at": {"$lt": created_before}})
    cursor = (
        db.events.find({"dispatched_at": None, "$or": stale}).sort("created_at", 1).limit(limit)
    )
    return await cursor.to_list(length=limit)


async def mark_published(db, event_ids: list[str], now) -> None:
    await db.events.update_many({"_id": {"$in": event_ids}}, {"$set": {"published_at": now}})


async def mark_many_dispatched(db, event_ids: list[str], now) -> None:
    await db.events.update_many(
        {"_id": {"$in": event_ids}, "dispatched_at": None}, {"$set": {"dispatched_at": now}}
    )


async def mark_dispatched(db, event_id: str, now) -> None:
    await db.events.update_one(
        {"_id": event_id, "dispatched_at": None}, {"$set": {"dispatched_at": now}}
    )


async def append_to_stream(redis, event: dict) -> str:
    return await redis.xadd(
        STREAM,
        {"event_id": event["_id"], "type": event["type"]},
        maxlen=STREAM_MAXLEN,
        approximate=True,
    )


async def ensure_group(redis) -> None:
    """The consumer group all workers share; created from the stream's start, so events
    pushed before the first worker ever ran are delivered too."""
    try:
        await redis.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def is_missing_group(exc: Exception) -> bool:
    return isinstance(exc, ResponseError) and "NOGROUP" in str(exc)


async def read_new(redis, consumer: str, count: int, block_ms: int) -> list[tuple[str, dict]]:
    """Entries never delivered to any consumer of the group; they stay pending for this
    consumer until acknowledged."""
    reply = await redis.xreadgroup(GROUP, consumer, {STREAM: ">"}, count=count, block=block_ms)
    return _entries(reply)


async def claim_stale(redis, consumer: str, min_idle_ms: int, count: int) -> list[tuple[str, dict]]:
    """Take over entries another consumer read but did not acknowledge for min_idle_ms
    (it died or hung): XAUTOCLAIM."""
    reply = await redis.xautoclaim(
        STREAM, GROUP, consumer, min_idle_ms, start_id="0-0", count=count
    )
    return [(entry_id, fields) for entry_id, fields in reply[1] if fields is not None]


async def acknowledge(redis, *entry_ids: str) -> None:
    await redis.xack(STREAM, GROUP, *entry_ids)


async def pending_count(redis) -> int:
    summary = await redis.xpending(STREAM, GROUP)
    return int(summary["pending"] if isinstance(summary, dict) else summary[0])


def _entries(reply) -> list[tuple[str, dict]]:
    # XREADGROUP answers [[stream, [(id, fields), ...]]]; fields is None for an entry
    # trimmed away after it was read.
    entries: list[tuple[str, dict]] = []
    for _stream, items in reply or []:
        entries.extend((entry_id, fields) for entry_id, fields in items if fields is not None)
    return entries
