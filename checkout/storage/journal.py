from .wallets import apply_postings


async def record_entry(db, entry: dict, session) -> dict[str, dict]:
    """Insert a balanced journal entry and move the wallet balances it names, together.
    Returns each debited wallet as it is after the debit (balance, locked_credit)."""
    await db.journal.insert_one(entry, session=session)
    return await apply_postings(db, entry["postings"], session)


async def sum_each_entry(db, session=None) -> tuple[dict, int]:
    """(entry id -> sum of its postings, number of entries)."""
    sums, count = {}, 0
    async for doc in db.journal.find({}, {"postings": 1}, session=session):
        count += 1
        sums[str(doc["_id"])] = sum(p["amount"] for p in doc["postings"])
    return sums, count


async def sum_postings_by_account(db, session=None) -> dict[str, int]:
    cursor = await db.journal.aggregate(
        [
            {"$unwind": "$postings"},
            {"$group": {"_id": "$postings.account", "total": {"$sum": "$postings.amount"}}},
        ],
        session=session,
    )
    return {doc["_id"]: doc["total"] async for doc in cursor}


async def wallet_balances(db, session=None) -> tuple[dict[str, int], dict[str, int]]:
    """(wallet code -> balance, wallet code -> locked credit for wallets that have one)."""
    balances, locked = {}, {}
    async for doc in db.wallets.find({}, {"code": 1, "balance": 1, "locked_credit": 1},
                                     session=session):
        balances[doc["code"]] = doc["balance"]
        if "locked_credit" in doc:
            locked[doc["code"]] = doc["locked_credit"]
    return balances, locked
