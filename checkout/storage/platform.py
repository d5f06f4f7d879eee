"""Platform-wide reads for the console (revenue, reconcile runs)."""

from pymongo import DESCENDING


async def fee_entries(db, fee_wallets: list[str], since) -> list[dict]:
    """Journal entries since `since` that post to a fee wallet (kind, time, postings)."""
    cursor = db.journal.find(
        {"postings.account": {"$in": fee_wallets}, "created_at": {"$gte": since}},
        {"kind": 1, "created_at": 1, "postings": 1},
    )
    return await cursor.to_list(length=None)


async def record_reconcile_run(db, run: dict) -> None:
    await db.reconcile_runs.insert_one(run)


async def last_reconcile_run(db) -> dict | None:
    return await db.reconcile_runs.find_one({}, sort=[("at", DESCENDING)])
