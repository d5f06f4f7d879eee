"""The outbox relay (services/events.publish_pending) on the real Redis and SecantusDB.

A request's own push leaves no published mark (one document write less per payment batch),
so the relay cannot tell "pushed, not read yet" from "never pushed" by the mark: it leaves
unmarked events alone while the webhook group has entries no worker has read, and relays
them once the workers have caught up."""

import secrets

from checkout.services.events import publish_pending, record_event
from checkout.storage import events as event_store

CONSUMER = "test-relay-drain"


async def write_only(ctx, subject: str) -> dict:
    """An outbox entry committed and never pushed: a crash between commit and push."""

    async def work(db_session):
        return await record_event(
            ctx,
            "acct_relay_" + subject,
            "payment_session.canceled",
            {"transactionTraceId": subject},
            db_session,
        )

    return await ctx.stores.in_transaction(work)


async def drain(redis) -> None:
    """Read and acknowledge every entry of the group, as caught-up workers would have."""
    while True:
        reply = await redis.xreadgroup(
            event_store.GROUP, CONSUMER, {event_store.STREAM: ">"}, count=500
        )
        ids = [entry_id for _stream, items in reply or [] for entry_id, _ in items]
        if not ids:
            return
        await event_store.acknowledge(redis, *ids)


async def stream_names(redis, event_id: str) -> int:
    entries = await redis.xrevrange(event_store.STREAM, count=1000)
    return sum(1 for _, fields in entries if fields.get("event_id") == event_id)


async def test_the_relay_waits_while_workers_are_behind_then_pushes_once(app):
    ctx = app.app.extensions["checkout"]
    redis = ctx.redis
    await event_store.ensure_group(redis)
    event = await write_only(ctx, "cs_" + secrets.token_hex(6))

    # Workers are behind: an entry in the stream that no worker has read yet.
    await redis.xadd(event_store.STREAM, {"event_id": "evt_unread", "type": "ping"})
    assert await publish_pending(ctx, min_age=0) == 0
    assert await stream_names(redis, event["_id"]) == 0
    stored = await ctx.db.events.find_one({"_id": event["_id"]})
    assert stored["published_at"] is None and stored["dispatched_at"] is None

    # Caught up: the never-pushed event is relayed, marked, and not pushed again.
    await drain(redis)
    assert await publish_pending(ctx, min_age=0) == 1
    assert await stream_names(redis, event["_id"]) == 1
    stored = await ctx.db.events.find_one({"_id": event["_id"]})
    assert stored["published_at"] is not None and stored["dispatched_at"] is None
    await drain(redis)
    assert await publish_pending(ctx, min_age=0) == 0
    assert await stream_names(redis, event["_id"]) == 1


async def test_a_request_push_leaves_no_mark(app):
    ctx = app.app.extensions["checkout"]
    event = await write_only(ctx, "cs_" + secrets.token_hex(6))
    assert await publish_pending(ctx, [event]) == 1
    assert await stream_names(ctx.redis, event["_id"]) == 1
    stored = await ctx.db.events.find_one({"_id": event["_id"]})
    assert stored["published_at"] is None
