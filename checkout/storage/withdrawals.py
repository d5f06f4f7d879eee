"""Withdrawals: pending until an operator marks them paid or failed."""

from pymongo.errors import DuplicateKeyError

from ..errors import DuplicateIdempotencyKey
from ..statuses import WithdrawalStatus


async def insert_withdrawal(db, withdrawal: dict, session) -> None:
    try:
        await db.withdrawals.insert_one(withdrawal, session=session)
    except DuplicateKeyError:
        if "idempotency_key" in withdrawal:
            raise DuplicateIdempotencyKey() from None
        raise


async def find_withdrawal(db, withdrawal_id, session=None) -> dict | None:
    if not isinstance(withdrawal_id, str):
        return None
    return await db.withdrawals.find_one({"_id": withdrawal_id}, session=session)


async def list_withdrawals_by_status(db, status: str, limit: int) -> list[dict]:
    cursor = db.withdrawals.find({"status": status}).sort("created_at", 1).limit(limit)
    return await cursor.to_list(length=limit)


async def settle_withdrawal(db, withdrawal_id: str, status: str, now, note, session) -> bool:
    """pending -> paid|failed, only from pending. False when nothing matched: this
    conditional flip is what makes a payout settle (and a failure reverse) exactly once."""
    result = await db.withdrawals.update_one(
        {"_id": withdrawal_id, "status": WithdrawalStatus.PENDING},
        {"$set": {"status": status, "settled_at": now, "note": note}},
        session=session,
    )
    return result.modified_count == 1


async def find_withdrawal_by_idempotency_key(db, key: str) -> dict | None:
    return await db.withdrawals.find_one({"idempotency_key": key})


async def list_account_withdrawals(db, account_id, limit: int) -> list[dict]:
    """The account's withdrawals, newest first."""
    cursor = (
        db.withdrawals.find({"account_id": account_id})
        .sort([("created_at", -1), ("_id", -1)])
        .limit(limit)
    )
    return await cursor.to_list(length=limit)
