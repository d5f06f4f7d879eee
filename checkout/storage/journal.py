from ..ledger import SYSTEM_PREFIX
from .wallets import apply_postings


async def record_entry(db, entry: dict, session) -> dict[str, dict]:
    """Insert a balanced journal entry and move the wallet balances it names, together.
    Returns each debited wallet as it is after the debit (balance, locked_credit)."""
    await db.journal.insert_one(entry, session=session)
    return await apply_postings(db, entry["postings"], session)


async def insert_entries(db, entries: list[dict], session) -> None:
    """Many balanced entries whose balances the caller moves in the same transaction."""
    if entries:
        await db.journal.insert_many(entries, session=session)


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


async def wallet_balances(db, session=None) -> tuple[dict[str, int], dict[str, int], set[str]]:
    """(wallet code -> balance, wallet code -> locked credit for wallets that have one,
    codes of the wallets an account owns, i.e. not the platform's)."""
    balances, locked, owned = {}, {}, set()
    async for doc in db.wallets.find(
        {}, {"code": 1, "balance": 1, "locked_credit": 1, "account_id": 1}, session=session
    ):
        balances[doc["code"]] = doc["balance"]
        if "locked_credit" in doc:
            locked[doc["code"]] = doc["locked_credit"]
        if doc.get("account_id") is not None:
            owned.add(doc["code"])
    return balances, locked, owned


async def sum_postings_by_entry_and_wallet(db, skip: set[str], session=None) -> dict:
    """(entry id, wallet code) -> sum of that entry's postings to that wallet, for every
    wallet but system accounts and the few in `skip` (the platform's)."""
    cursor = await db.journal.aggregate(
        [
            {"$unwind": "$postings"},
            {
                "$match": {
                    "postings.account": {
                        "$nin": sorted(skip),
                        "$not": {"$regex": f"^{SYSTEM_PREFIX}"},
                    }
                }
            },
            {
                "$group": {
                    "_id": {"entry": "$_id", "wallet": "$postings.account"},
                    "total": {"$sum": "$postings.amount"},
                }
            },
        ],
        session=session,
    )
    return {(str(doc["_id"]["entry"]), doc["_id"]["wallet"]): doc["total"] async for doc in cursor}


async def sum_rows_by_entry_and_wallet(db, session=None) -> dict:
    """(entry id, wallet code) -> what the transaction rows say moved (credits minus debits)."""
    cursor = await db.transactions.aggregate(
        [
            {
                "$group": {
                    "_id": {"entry": "$journal_id", "wallet": "$wallet_code"},
                    "total": {
                        "$sum": {
                            "$cond": [
                                {"$eq": ["$direction", "credit"]},
                                "$amount",
                                {"$multiply": ["$amount", -1]},
                            ]
                        }
                    },
                }
            },
        ],
        session=session,
    )
    return {(str(doc["_id"]["entry"]), doc["_id"]["wallet"]): doc["total"] async for doc in cursor}
