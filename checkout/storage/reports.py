"""Read models for the merchant dashboard. Every query is scoped to one account."""

import re

from bson import ObjectId

from ..session_rules import effective_status_filter
from ..statuses import Kind, SessionStatus
from .pending_credits import pending_total


async def volume_since(db, account_id, since) -> dict[str, dict]:
    """Payments received since a moment: currency -> {"total": minor units, "count": n}."""
    cursor = await db.transactions.aggregate(
        [
            {
                "$match": {
                    "account_id": account_id,
                    "type": Kind.PAYMENT,
                    "direction": "credit",
                    "created_at": {"$gte": since},
                }
            },
            {"$group": {"_id": "$currency", "total": {"$sum": "$amount"}, "count": {"$sum": 1}}},
        ]
    )
    return {doc["_id"]: {"total": doc["total"], "count": doc["count"]} async for doc in cursor}


async def recent_paid_sessions(db, account_id, limit: int) -> list[dict]:
    cursor = (
        db.payment_sessions.find({"account_id": account_id, "status": SessionStatus.COMPLETE})
        .sort("created_at", -1)
        .limit(limit)
    )
    return await cursor.to_list(length=limit)


def session_query(account_id, status: str | None, search: str | None, now) -> dict:
    """The stored status lags for sessions past their expiry that the sweeper has not
    reached yet: those count as expired, not open."""
    query: dict = {"account_id": account_id}
    if status:
        query.update(effective_status_filter(status, now))
    if search:
        # The trace id or the merchant's own reference (exact), the customer's email
        # (whole address, any case), or words of the description (anywhere, any case).
        query.setdefault("$and", []).append(
            {
                "$or": [
                    {"_id": search},
                    {"client_reference_id": search},
                    {"customer_email": {"$regex": f"^{re.escape(search)}$", "$options": "i"}},
                    {"description": {"$regex": re.escape(search), "$options": "i"}},
                ]
            }
        )
    return query


async def find_sessions(db, query: dict, skip: int, limit: int) -> list[dict]:
    cursor = (
        db.payment_sessions.find(query)
        .sort([("created_at", -1), ("_id", -1)])
        .skip(skip)
        .limit(limit)
    )
    return await cursor.to_list(length=limit)


async def owned_session_ids(db, account_id, session_ids) -> set[str]:
    """Which of these sessions belong to the account (the payee's side of a payment)."""
    wanted = list({s for s in session_ids if s})
    if not wanted:
        return set()
    cursor = db.payment_sessions.find(
        {"_id": {"$in": wanted}, "account_id": account_id}, {"_id": 1}
    )
    return {doc["_id"] async for doc in cursor}


async def journal_for_session(db, session_id: str) -> list[dict]:
    cursor = db.journal.find({"session_id": session_id}).sort("_id", 1)
    return await cursor.to_list(length=100)


def transaction_query(account_id, start=None, end=None, kind: str | None = None) -> dict:
    """start inclusive, end exclusive (datetimes, UTC)."""
    query: dict = {"account_id": account_id}
    if start is not None or end is not None:
        query["created_at"] = {}
        if start is not None:
            query["created_at"]["$gte"] = start
        if end is not None:
            query["created_at"]["$lt"] = end
    if kind:
        query["type"] = kind
    return query


async def find_transactions(
    db, query: dict, limit: int, before: ObjectId | None = None, after: ObjectId | None = None
) -> list[dict]:
    """A page, newest first: older than `before`, or (going back) newer than `after`."""
    if after is not None:
        cursor = db.transactions.find({**query, "_id": {"$gt": after}}).sort("_id", 1).limit(limit)
        rows = await cursor.to_list(length=limit)
        return rows[::-1]
    if before is not None:
        query = {**query, "_id": {"$lt": before}}
    cursor = db.transactions.find(query).sort("_id", -1).limit(limit)
    return await cursor.to_list(length=limit)


def iterate_transactions(db, query: dict):
    """A cursor over the whole filtered set, newest first, read in batches: for exports."""
    return db.transactions.find(query).sort("_id", -1).batch_size(500)


async def statement_entries(
    db, wallet_code: str, limit: int, before: ObjectId | None, session=None
) -> list[dict]:
    query: dict = {"postings.account": wallet_code}
    if before is not None:
        query["_id"] = {"$lt": before}
    cursor = db.journal.find(query, session=session).sort("_id", -1).limit(limit)
    return await cursor.to_list(length=limit)


async def sum_postings_from(db, wallet_code: str, since_id: ObjectId, session=None) -> int:
    """Sum of the wallet's postings in entries from since_id on (inclusive)."""
    cursor = await db.journal.aggregate(
        [
            {"$match": {"postings.account": wallet_code, "_id": {"$gte": since_id}}},
            {"$unwind": "$postings"},
            {"$match": {"postings.account": wallet_code}},
            {"$group": {"_id": None, "total": {"$sum": "$postings.amount"}}},
        ],
        session=session,
    )
    async for doc in cursor:
        return doc["total"]
    return 0


async def wallet_balance(db, wallet_code: str, session=None) -> int | None:
    """Everything the wallet holds: its settled balance plus its pending credits."""
    doc = await db.wallets.find_one({"code": wallet_code}, {"balance": 1}, session=session)
    if doc is None:
        return None
    return doc["balance"] + await pending_total(db, wallet_code, session)


async def set_wallet_pin_hash(db, account_id, wallet_code: str, pin_hash: str) -> bool:
    result = await db.wallets.update_one(
        {"code": wallet_code, "account_id": account_id}, {"$set": {"pin_hash": pin_hash}}
    )
    return result.matched_count == 1


async def daily_sums(db, account_id, currency: str, since) -> list[dict]:
    """The account's transaction rows since a moment, summed per UTC day, type and
    direction: [{"day": "YYYY-MM-DD", "type", "direction", "amount", "fee"}]."""
    cursor = await db.transactions.aggregate(
        [
            {
                "$match": {
                    "account_id": account_id,
                    "currency": currency,
                    "created_at": {"$gte": since},
                }
            },
            {
                "$group": {
                    "_id": {
                        "day": {"$dateToString": {"format": "%Y-%m-%d", "date": "$created_at"}},
                        "type": "$type",
                        "direction": "$direction",
                    },
                    "amount": {"$sum": "$amount"},
                    "fee": {"$sum": "$fee"},
                }
            },
        ]
    )
    return [{**doc["_id"], "amount": doc["amount"], "fee": doc["fee"]} async for doc in cursor]


async def welcome_credit_total(db, account_id, currency: str) -> int:
    """Welcome credit the account was given, ever: not earnings, so counted apart."""
    cursor = await db.transactions.aggregate(
        [
            {
                "$match": {
                    "account_id": account_id,
                    "currency": currency,
                    "type": Kind.WELCOME_CREDIT,
                }
            },
            {"$group": {"_id": None, "total": {"$sum": "$amount"}}},
        ]
    )
    return sum([doc["total"] async for doc in cursor])
