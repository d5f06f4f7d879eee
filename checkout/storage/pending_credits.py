"""Pending credits: the credit postings of a payment, recorded in the payment's transaction
but not yet added to the wallet's stored balance (see docs/pay-path.md).

A credit needs no guard (it cannot overdraw anything), so a payment does not write its
payee's or its fee wallet's document: it inserts one pending credit per credited wallet.
Settling adds a batch of them to the wallets, one $inc per wallet, and deletes them, in one
transaction. A wallet's balance is therefore its stored (settled) balance plus its pending
credits, and the journal stays the record of both.
"""
from pymongo.errors import OperationFailure

# What a conflicting write looks like to with_transaction: it runs the work again.
WRITE_CONFLICT = 112


class SettleConflict(OperationFailure):
    """Another transaction settled some of these credits first; run the work again."""

    def __init__(self, message: str):
        super().__init__(message, WRITE_CONFLICT,
                         {"errmsg": message, "code": WRITE_CONFLICT,
                          "errorLabels": ["TransientTransactionError"]})


async def insert_pending_credits(db, credits: list[dict], session) -> None:
    """credits: {"wallet", "amount", "entry_id", "created_at"}, in the payment's transaction."""
    await db.pending_credits.insert_many(credits, session=session)


async def pending_totals(db, codes: list[str] | None = None, session=None) -> dict[str, int]:
    """wallet code -> sum of its pending credits (wallets with none are absent)."""
    pipeline = [{"$group": {"_id": "$wallet", "total": {"$sum": "$amount"}}}]
    if codes is not None:
        pipeline.insert(0, {"$match": {"wallet": {"$in": list(codes)}}})
    cursor = await db.pending_credits.aggregate(pipeline, session=session)
    return {doc["_id"]: doc["total"] async for doc in cursor}


async def pending_total(db, code: str, session=None) -> int:
    total = 0
    async for doc in db.pending_credits.find({"wallet": code}, {"amount": 1}, session=session):
        total += doc["amount"]
    return total


async def _apply(db, docs: list[dict], session) -> dict[str, int]:
    """Add these pending credits to their wallets and delete them, in the caller's
    transaction. The delete is the guard: a credit another transaction settled first is
    gone, so the count comes up short and the whole transaction runs again (a conflicting
    delete also aborts it by itself)."""
    if not docs:
        return {}
    totals: dict[str, int] = {}
    for doc in docs:
        totals[doc["wallet"]] = totals.get(doc["wallet"], 0) + doc["amount"]
    for code in sorted(totals):  # one order everywhere: fewer deadlock-like retries
        result = await db.wallets.update_one(
            {"code": code}, {"$inc": {"balance": totals[code]}}, session=session)
        if result.matched_count != 1:
            raise RuntimeError(f"pending credit for unknown wallet {code}")
    ids = [doc["_id"] for doc in docs]
    deleted = await db.pending_credits.delete_many({"_id": {"$in": ids}}, session=session)
    if deleted.deleted_count != len(ids):
        raise SettleConflict(f"{len(ids) - deleted.deleted_count} pending credits were "
                             "settled by another transaction")
    return totals


async def settle_oldest(db, limit: int, session) -> int:
    """Settle up to `limit` of the oldest pending credits; returns how many."""
    docs = await db.pending_credits.find({}, session=session).sort("_id", 1).limit(limit) \
        .to_list(length=limit)
    await _apply(db, docs, session)
    return len(docs)


async def settle_wallet(db, code: str, session) -> int:
    """Settle every pending credit of one wallet, in the caller's transaction (money-out
    and a short payer do this before they debit). Returns the amount settled."""
    docs = await db.pending_credits.find({"wallet": code}, session=session).to_list(length=None)
    return (await _apply(db, docs, session)).get(code, 0)
