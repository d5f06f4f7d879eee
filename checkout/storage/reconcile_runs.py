"""The outcome of the last `python -m checkout reconcile`, for /metrics."""

from datetime import datetime

LAST_ID = "last"


async def record_run(db, ok: bool, problems: int, entries_checked: int, now: datetime) -> None:
    await db.reconcile_runs.replace_one(
        {"_id": LAST_ID},
        {"ok": ok, "problems": problems, "entries_checked": entries_checked, "finished_at": now},
        upsert=True,
    )


async def last_run(db) -> dict | None:
    return await db.reconcile_runs.find_one({"_id": LAST_ID})
