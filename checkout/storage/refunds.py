"""Refunds: the running refunded total on the session record and one document per refund."""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ..errors import DuplicateIdempotencyKey
from ..statuses import SessionStatus


async def add_to_refunded(db, session_id: str, amount: int, refund: int, session) -> dict | None:
    """Raise the session's refunded_amount by refund, only while it stays <= amount.

    The condition sits in the filter of one update inside the transaction, so concurrent
    refunds can never add up to more than was paid. Returns the updated session, or None
    when nothing matched (not paid, or too little left to refund).
    """
    return await db.payment_sessions.find_one_and_update(
        {
            "_id": session_id,
            "status": SessionStatus.COMPLETE,
            "$or": [
                {"refunded_amount": {"$lte": amount - refund}},
                {"refunded_amount": {"$exists": False}},  # sessions paid before refunds existed
            ],
        },
        {"$inc": {"refunded_amount": refund}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def add_to_refunded_fee(db, session_id: str, fee: int, session) -> None:
    await db.payment_sessions.update_one(
        {"_id": session_id}, {"$inc": {"refunded_fee": fee}}, session=session
    )


async def add_to_locked_refunded(db, session_id: str, amount: int, session) -> None:
    """How much of the payer's locked credit refunds of this session have given back."""
    await db.payment_sessions.update_one(
        {"_id": session_id}, {"$inc": {"payer_locked_refunded": amount}}, session=session
    )


async def insert_refund(db, refund: dict, session) -> None:
    try:
        await db.refunds.insert_one(refund, session=session)
    except DuplicateKeyError:
        if "idempotency_key" in refund:
            raise DuplicateIdempotencyKey() from None
        raise


async def list_refunds(db, session_id: str) -> list[dict]:
    cursor = db.refunds.find({"session_id": session_id}).sort("created_at", 1)
    return await cursor.to_list(length=None)


async def find_refund_by_idempotency_key(db, key: str) -> dict | None:
    return await db.refunds.find_one({"idempotency_key": key})
