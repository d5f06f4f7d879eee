"""Webhook endpoints, deliveries (one per event and endpoint) and their attempts.

A delivery is sent by whichever worker claims it: the claim is a lease (lease_until) set
by a conditional update, so two workers never send the same delivery at the same time,
and a dead worker's lease simply runs out.
"""

import contextlib

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..statuses import DeliveryState


async def insert_endpoint(db, doc: dict) -> None:
    await db.webhook_endpoints.insert_one(doc)


async def count_endpoints(db, account_id) -> int:
    return await db.webhook_endpoints.count_documents({"account_id": account_id})


async def list_endpoints(db, account_id) -> list[dict]:
    cursor = db.webhook_endpoints.find({"account_id": account_id}).sort("created_at", 1)
    return await cursor.to_list(length=None)


async def find_endpoint(db, endpoint_id) -> dict | None:
    if not isinstance(endpoint_id, str):
        return None
    return await db.webhook_endpoints.find_one({"_id": endpoint_id})


async def update_endpoint(
    db, endpoint_id: str, changes: dict, expected_secret: str | None = None
) -> dict | None:
    """The endpoint after changes; None if it is gone (or, with expected_secret, its
    secret changed meanwhile: a concurrent rotation)."""
    query = {"_id": endpoint_id}
    if expected_secret is not None:
        query["secret"] = expected_secret
    return await db.webhook_endpoints.find_one_and_update(
        query, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def pause_deliveries(db, endpoint_id: str, now) -> None:
    """A disabled endpoint's pending deliveries wait (state "paused"). One a worker is
    sending right now is left to finish; the worker pauses it at its next turn."""
    await db.webhook_deliveries.update_many(
        {
            "endpoint_id": endpoint_id,
            "state": DeliveryState.PENDING,
            "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
        },
        {
            "$set": {
                "state": DeliveryState.PAUSED,
                "paused_at": now,
                "lease_until": None,
                "lease_token": None,
            }
        },
    )


async def resume_deliveries(db, endpoint_id: str, now) -> None:
    """Re-enabled: its paused deliveries are due at once, their failure count kept."""
    await db.webhook_deliveries.update_many(
        {"endpoint_id": endpoint_id, "state": DeliveryState.PAUSED},
        {"$set": {"state": DeliveryState.PENDING, "next_attempt_at": now, "paused_at": None}},
    )


async def delete_endpoint(db, endpoint_id: str) -> bool:
    result = await db.webhook_endpoints.delete_one({"_id": endpoint_id})
    return result.deleted_count == 1


async def endpoints_for_event(db, account_id, event_type: str, created_before) -> list[dict]:
    """Enabled endpoints subscribed to this type that existed when the event happened."""
    cursor = db.webhook_endpoints.find(
        {
            "account_id": account_id,
            "enabled": {"$ne": False},
            "events": {"$in": [event_type, "*"]},
            "created_at": {"$lte": created_before},
        }
    )
    return await cursor.to_list(length=None)


async def endpoints_for_events(db, keys: set[tuple], created_before) -> dict[tuple, list[dict]]:
    """(account id, event type) -> endpoints subscribed to that type that existed at
    created_before: one query for a batch of events (the caller narrows by each event's
    own time)."""
    found: dict[tuple, list[dict]] = {key: [] for key in keys}
    if not keys:
        return found
    cursor = db.webhook_endpoints.find(
        {
            "account_id": {"$in": list({account for account, _ in keys})},
            "created_at": {"$lte": created_before},
        }
    )
    async for endpoint in cursor:
        for (account, event_type), matched in found.items():
            if endpoint["account_id"] == account and (
                event_type in endpoint["events"] or "*" in endpoint["events"]
            ):
                matched.append(endpoint)
    return found


async def insert_delivery_once(db, doc: dict) -> None:
    """One delivery per (event, endpoint): a second fan-out of the same event (a reclaimed
    stream entry, a relayed duplicate) finds it there and changes nothing."""
    with contextlib.suppress(DuplicateKeyError):
        await db.webhook_deliveries.update_one(
            {"event_id": doc["event_id"], "endpoint_id": doc["endpoint_id"]},
            {"$setOnInsert": doc},
            upsert=True,
        )


async def due_delivery_ids(db, event_id: str, now) -> list[str]:
    cursor = db.webhook_deliveries.find(
        {"event_id": event_id, "state": DeliveryState.PENDING, "next_attempt_at": {"$lte": now}},
        {"_id": 1},
    )
    return [doc["_id"] async for doc in cursor]


async def claim_delivery(db, now, lease_until, token: str, delivery_id: str | None = None):
    """Lease one due delivery (the given one, or the most overdue). None if none is free."""
    query = {
        "state": DeliveryState.PENDING,
        "next_attempt_at": {"$lte": now},
        "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
    }
    if delivery_id is not None:
        query["_id"] = delivery_id
    return await db.webhook_deliveries.find_one_and_update(
        query,
        {"$set": {"lease_until": lease_until, "lease_token": token}},
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


async def finish_attempt(
    db, delivery_id: str, token: str, changes: dict, attempted: bool = True
) -> bool:
    """Record an attempt's outcome, unless the lease was taken away meanwhile (redeliver).
    attempted=False: released without sending (a paused delivery)."""
    update = {"$set": {**changes, "lease_until": None, "lease_token": None}}
    if attempted:
        update["$inc"] = {"attempt_count": 1}
    result = await db.webhook_deliveries.update_one(
        {"_id": delivery_id, "lease_token": token}, update
    )
    return result.modified_count == 1


async def insert_attempt(db, doc: dict) -> None:
    await db.webhook_attempts.insert_one(doc)


async def find_delivery(db, delivery_id) -> dict | None:
    if not isinstance(delivery_id, str):
        return None
    return await db.webhook_deliveries.find_one({"_id": delivery_id})


async def list_deliveries(db, endpoint_id: str, limit: int) -> list[dict]:
    cursor = (
        db.webhook_deliveries.find({"endpoint_id": endpoint_id})
        .sort([("created_at", -1), ("_id", -1)])
        .limit(limit)
    )
    return await cursor.to_list(length=limit)


async def list_attempts(db, delivery_ids: list[str]) -> list[dict]:
    cursor = db.webhook_attempts.find({"delivery_id": {"$in": delivery_ids}}).sort(
        [("delivery_id", 1), ("started_at", 1)]
    )
    return await cursor.to_list(length=None)


async def reschedule_now(db, delivery_id: str, now) -> dict | None:
    """Send again as soon as a worker is free, with a fresh retry schedule. Releasing the
    lease makes an attempt still in flight unable to overwrite this."""
    return await db.webhook_deliveries.find_one_and_update(
        {"_id": delivery_id},
        {
            "$set": {
                "state": DeliveryState.PENDING,
                "next_attempt_at": now,
                "failures": 0,
                "lease_until": None,
                "lease_token": None,
                "failed_at": None,
            }
        },
        return_document=ReturnDocument.AFTER,
    )
