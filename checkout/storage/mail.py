"""The mail outbox (one document per message) and its delivery log (one per attempt).

A message is sent by whichever worker claims it: the claim is a lease (lease_until) set by
a conditional update, as for webhook deliveries, so two workers never send the same message
at the same time and a dead worker's lease simply runs out.
"""

from pymongo import ReturnDocument

from ..statuses import MailState


async def insert_message(db, doc: dict, session=None) -> None:
    await db.mail_outbox.insert_one(doc, session=session)


async def claim_message(db, now, lease_until, token: str) -> dict | None:
    """Lease the most overdue due message; None if none is free."""
    return await db.mail_outbox.find_one_and_update(
        {
            "state": MailState.PENDING,
            "next_attempt_at": {"$lte": now},
            "$or": [{"lease_until": None}, {"lease_until": {"$lte": now}}],
        },
        {"$set": {"lease_until": lease_until, "lease_token": token}},
        sort=[("next_attempt_at", 1)],
        return_document=ReturnDocument.AFTER,
    )


async def finish_attempt(
    db, message_id: str, token: str, changes: dict, forget: tuple[str, ...] = ()
) -> bool:
    """Record an attempt's outcome, unless the lease ran out and another worker took the
    message meanwhile. forget: fields removed (a sent mail's links and codes)."""
    update: dict = {
        "$set": {**changes, "lease_until": None, "lease_token": None},
        "$inc": {"attempt_count": 1},
    }
    if forget:
        update["$unset"] = dict.fromkeys(forget, "")
    result = await db.mail_outbox.update_one({"_id": message_id, "lease_token": token}, update)
    return result.modified_count == 1


async def insert_attempt(db, doc: dict) -> None:
    await db.mail_attempts.insert_one(doc)


async def find_message(db, message_id) -> dict | None:
    if not isinstance(message_id, str):
        return None
    return await db.mail_outbox.find_one({"_id": message_id})


async def list_attempts(db, message_id: str) -> list[dict]:
    cursor = db.mail_attempts.find({"mail_id": message_id}).sort("started_at", 1)
    return await cursor.to_list(length=None)
