"""Reads the operator console needs across all merchants (the dashboard reads one
account's own records only, through storage/reports.py)."""

import re

from pymongo import DESCENDING

from ..statuses import SessionStatus


async def search_accounts(db, text: str, limit: int = 50) -> list[dict]:
    """Accounts whose email or organization contains `text` (case-insensitive), newest first."""
    pattern = {"$regex": re.escape(text), "$options": "i"}
    query = {"$or": [{"email": pattern}, {"organization": pattern}]} if text else {}
    cursor = db.accounts.find(query, {"password_hash": 0}).sort("_id", DESCENDING).limit(limit)
    return await cursor.to_list(length=limit)


async def recent_sessions(db, account_id, limit: int = 20) -> list[dict]:
    cursor = db.payment_sessions.find({"account_id": account_id}).sort("created_at", DESCENDING)
    return await cursor.limit(limit).to_list(length=limit)


async def recent_transactions(db, account_id, limit: int = 20) -> list[dict]:
    cursor = db.transactions.find({"account_id": account_id}).sort("_id", DESCENDING)
    return await cursor.limit(limit).to_list(length=limit)


async def count_open_sessions(db, account_id) -> int:
    return await db.payment_sessions.count_documents(
        {"account_id": account_id, "status": SessionStatus.OPEN}
    )


async def find_accounts(db, account_ids: list) -> dict:
    """{account id: account} for the given ids (password hashes left out)."""
    cursor = db.accounts.find({"_id": {"$in": list(set(account_ids))}}, {"password_hash": 0})
    return {a["_id"]: a async for a in cursor}
