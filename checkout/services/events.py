"""Events merchants learn about by webhook: an outbox written in the same MongoDB
transaction as the change it describes, pushed to a Redis Stream after the commit.

    record_event(ctx, account_id, type, data, db_session)   inside the transaction
    publish_pending(ctx, [event])                            after the commit, best effort
    publish_pending(ctx, min_age=...)                        the relay, run by the worker

If the process dies or Redis is down between commit and push, the event is still in the
outbox and the relay pushes it later: nothing is lost, though it may be delivered late.
"""

import logging
import secrets
from datetime import datetime, timedelta

from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from ..errors import EventNotFound, InvalidRequest
from ..jsonenc import dumps
from ..representations import (
    invoice_json,
    refund_json,
    session_json,
    topup_json,
    withdrawal_json,
)
from ..storage import backlogs as backlog_store
from ..storage import events as event_store
from . import Context, owned_by, utcnow

log = logging.getLogger(__name__)

EVENT_TYPES = (
    "payment_session.completed",
    "payment_session.expired",
    "payment_session.canceled",
    "refund.succeeded",
    "withdrawal.paid",
    "withdrawal.failed",
    "invoice.finalized",
    "invoice.paid",
    "invoice.voided",
    "invoice.overdue",
    "wallet.topped_up",
)
# A test event (POST /api/v1/webhooks/:id/test): sent to the one endpoint it names, never
# to a subscription, so it is not in EVENT_TYPES even for endpoints taking ["*"].
PING = "ping"
LISTED_TYPES = (*EVENT_TYPES, PING)
# GET /api/v1/events answers this far back; a TTL index deletes older events.
EVENT_RETENTION_DAYS = 30
MAX_PAGE = 100


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(12)


def event_body(event_id: str, event_type: str, created: datetime, data: dict) -> str:
    """The exact JSON text every delivery of this event sends (and signs)."""
    return dumps(
        {"id": event_id, "type": event_type, "created": int(created.timestamp()), "data": data}
    )


async def record_event(
    ctx: Context, account_id, event_type: str, data: dict, session, *, subject: str | None = None
) -> dict:
    """Write an event to the outbox inside the caller's transaction (session).

    data is the event's object in the API's JSON shape; Decimal amounts, datetimes and
    ObjectIds are written as JSON numbers, ISO-8601 strings and strings. The body is
    serialised once here, so every delivery sends and signs the same bytes.
    Returns the outbox document; hand it to publish_pending after the commit.
    """
    doc = event_document(account_id, event_type, data, subject=subject)
    await event_store.insert_event(ctx.db, doc, session)
    return doc


def event_data(event_type: str, record: dict, base_url: str) -> dict:
    """The object an event carries, in the API's JSON shape (representations.py): the one
    place that turns a changed record into what merchants receive."""
    if event_type.startswith("payment_session."):
        return session_json(record, utcnow(), base_url)
    if event_type.startswith("refund."):
        return refund_json(record)
    if event_type.startswith("withdrawal."):
        return withdrawal_json(record)
    if event_type.startswith("invoice."):
        return invoice_json(record, base_url)
    if event_type == "wallet.topped_up":
        return topup_json(record)
    raise ValueError(f"no representation for event type {event_type!r}")


def event_document(account_id, event_type: str, data: dict, *, subject: str | None = None) -> dict:
    """The outbox document of an event (see record_event); the caller inserts it."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    if subject is None and isinstance(data, dict):
        subject = data.get("transactionTraceId") or data.get("id")
    return _event_doc(account_id, event_type, data, subject)


async def record_ping(ctx: Context, account_id, endpoint_id: str) -> dict:
    """A ping for one endpoint, pushed to the stream like any event: the worker's fan-out
    sends it to that endpoint only (endpoint_id), through the usual delivery and its log.
    Nothing else changes with it, so no transaction."""
    doc = _event_doc(account_id, PING, {"object": "ping", "endpointId": endpoint_id}, endpoint_id)
    doc["endpoint_id"] = endpoint_id
    await event_store.insert_event(ctx.db, doc, None)
    await publish_pending(ctx, [doc])
    return doc


def _event_doc(account_id, event_type: str, data: dict, subject) -> dict:
    now = utcnow()
    event_id = new_event_id()
    return {
        "_id": event_id,
        "account_id": account_id,
        "type": event_type,
        "subject": subject,
        "payload": event_body(event_id, event_type, now, data),
        "created_at": now,
        "published_at": None,
        "dispatched_at": None,
    }


async def publish_pending(
    ctx: Context, events: list[dict] | None = None, *, min_age: float = 0.0, limit: int = 100
) -> int:
    """Push events to the Redis Stream; returns how many were pushed. Never raises for a
    store failure: the outbox keeps the event and the relay pushes it later.

    With events: push those (call this after the transaction that recorded them commits).
    They are not marked published: that mark was one more multi-document update per
    payment batch, and SecantusDB's cost is per document written (bench/README.md, "Pay
    regression"). Without: the relay. Push outbox entries older than min_age seconds that
    no worker dispatched and no relay pushed, and re-push ones the relay pushed long ago
    that are still not dispatched; it marks what it pushes.

    An unmarked event may have been pushed by its request and still be waiting in the
    stream: while workers are behind (entries no worker has read), the relay leaves
    unmarked events alone, or it would push every event of a backlog twice. Once the
    workers have read everything, an unmarked undispatched event older than min_age was
    never pushed (a crash between commit and push, Redis down), or sits with a worker
    that died before dispatching it; pushing it again is safe either way (fan-out is
    idempotent, the dispatched mark conditional).
    """
    try:
        if events is not None:
            for event in events:
                await event_store.append_to_stream(ctx.redis, event)
            return len(events)
        now = utcnow()
        lag, _pending = await backlog_store.stream_group_state(ctx.redis)
        events = await event_store.find_undispatched(
            ctx.db,
            created_before=now - timedelta(seconds=min_age) if lag == 0 else None,
            published_before=now - timedelta(seconds=max(min_age * 30, 300)),
            limit=limit,
        )
        pushed = []
        for event in events:
            await event_store.append_to_stream(ctx.redis, event)
            pushed.append(event["_id"])
        if pushed:
            await event_store.mark_published(ctx.db, pushed, utcnow())
        return len(pushed)
    except (RedisError, PyMongoError, OSError) as exc:
        log.warning("could not publish events (%s); the relay will retry", type(exc).__name__)
        return 0


# --- reading them (GET /api/v1/events) ---


def retention_start(now):
    return now - timedelta(days=EVENT_RETENTION_DAYS)


async def list_events(
    ctx: Context,
    account: dict,
    event_type: str | None = None,
    limit: int = 20,
    starting_after: str | None = None,
) -> dict:
    """The account's events of the last 30 days, newest first. Filtered here as well as
    deleted by the TTL index, which runs only about once a minute."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit")
    if event_type is not None and event_type not in LISTED_TYPES:
        raise InvalidRequest(f"type must be one of {', '.join(LISTED_TYPES)}", field="type")
    since = retention_start(utcnow())
    after = None
    if starting_after is not None:
        after = await event_store.find_event(ctx.db, starting_after)
        if after is None or after["account_id"] != account["_id"] or after["created_at"] < since:
            raise InvalidRequest("startingAfter is not one of your events", field="startingAfter")
    # One extra row tells whether another page exists.
    rows = await event_store.list_account_events(
        ctx.db, account["_id"], since, event_type, limit + 1, after
    )
    return {"data": rows[:limit], "has_more": len(rows) > limit}


async def event_for_owner(ctx: Context, account: dict, event_id) -> dict:
    event = await event_store.find_event(ctx.db, event_id)
    if event is not None and event["created_at"] < retention_start(utcnow()):
        event = None  # past retention: as if the TTL index had deleted it already
    return owned_by(event, account, EventNotFound)
