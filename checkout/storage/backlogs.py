"""Work waiting in the stores, read at scrape time for /metrics. Each read is one indexed
count or one Redis command, so a scrape every few seconds costs next to nothing."""

from redis.exceptions import ResponseError

from ..statuses import DeliveryState
from . import events as event_store


async def count_undispatched_events(db) -> int:
    """Outbox entries no worker has fanned out yet (index dispatched_at, created_at)."""
    return await db.events.count_documents({"dispatched_at": None})


async def count_unsettled_entries(db) -> int:
    """Journal entries whose credits wait for the settler (sparse index on pending)."""
    return await db.journal.count_documents({"pending": {"$exists": True}})


async def count_waiting_deliveries(db) -> dict[str, int]:
    """Webhook deliveries still to send (pending) or held back (paused), by state."""
    return {
        state: await db.webhook_deliveries.count_documents({"state": state})
        for state in (DeliveryState.PENDING, DeliveryState.PAUSED)
    }


async def stream_group_state(redis) -> tuple[int, int]:
    """(lag, pending) of the webhook consumer group: entries not yet read by any worker,
    and entries read but not acknowledged. (0, 0) before the group exists."""
    try:
        groups = await redis.xinfo_groups(event_store.STREAM)
    except ResponseError:  # no stream yet
        return 0, 0
    for group in groups:
        if group.get("name") == event_store.GROUP:
            return int(group.get("lag") or 0), int(group.get("pending") or 0)
    return 0, 0
