"""Pending credits: the credits of a payment's journal entry that are not yet in the
credited wallets' stored (settled) balances (see docs/pay-path.md).

A credit needs no guard (it cannot overdraw anything), so a payment does not write its
payee's or its fee wallet's document. Its journal entry names those wallets in `pending`
instead, written with the entry, so the payment writes no extra document. Settling adds a
batch of entries' pending credits to the wallets, one $inc per wallet, and removes the
wallets from the entries' `pending`, in one transaction. A wallet's balance is therefore
its settled balance plus its pending credits; the postings themselves never change.
"""

from pymongo import UpdateOne
from pymongo.errors import OperationFailure

from ..ledger import SYSTEM_PREFIX

# What a conflicting write looks like to with_transaction: it runs the work again.
WRITE_CONFLICT = 112


class SettleConflict(OperationFailure):
    """Another transaction changed what this one read (settled these credits first, paid
    this session, debited this payer): run the whole transaction again."""

    def __init__(self, message: str):
        super().__init__(
            message,
            WRITE_CONFLICT,
            {
                "errmsg": message,
                "code": WRITE_CONFLICT,
                "errorLabels": ["TransientTransactionError"],
            },
        )


def mark_pending(entry: dict, locked: dict[str, int] | None = None) -> dict:
    """Leave the entry's credits to wallets pending (for the settler); returns the entry.
    locked: wallet code -> the part of its credit that arrives as locked welcome credit
    (locked_credit.py), added to the wallet's lock when the credit settles."""
    locked = {code: amount for code, amount in (locked or {}).items() if amount > 0}
    if locked:
        entry["pending_locked"] = locked
    entry["pending"] = sorted(
        {
            p["account"]
            for p in entry["postings"]
            if p["amount"] > 0 and not p["account"].startswith(SYSTEM_PREFIX)
        }
    )
    return entry


def _credits(entry: dict, wallets) -> dict[str, int]:
    credits: dict[str, int] = {}
    for posting in entry["postings"]:
        if posting["account"] in wallets and posting["amount"] > 0:
            credits[posting["account"]] = credits.get(posting["account"], 0) + posting["amount"]
    return credits


async def pending_totals(db, codes: list[str] | None = None, session=None) -> dict[str, int]:
    """wallet code -> sum of its pending credits (wallets with none are absent)."""
    query = (
        {"pending": {"$in": list(codes)}} if codes is not None else {"pending": {"$exists": True}}
    )
    totals: dict[str, int] = {}
    async for entry in db.journal.find(query, {"postings": 1, "pending": 1}, session=session):
        wanted = set(entry["pending"]) if codes is None else set(entry["pending"]) & set(codes)
        for code, amount in _credits(entry, wanted).items():
            totals[code] = totals.get(code, 0) + amount
    return totals


async def pending_total(db, code: str, session=None) -> int:
    return (await pending_totals(db, [code], session)).get(code, 0)


async def _apply(db, entries: list[dict], only: str | None, session) -> dict[str, int]:
    """Add these entries' pending credits (all, or only wallet `only`'s) to the wallets and
    take them off the entries, in the caller's transaction. Each entry is updated only if
    its `pending` is still what this transaction read: one another transaction settled
    first does not match, the count comes up short and the whole transaction runs again
    (a conflicting write also aborts it by itself)."""
    if not entries:
        return {}
    totals: dict[str, int] = {}
    locks: dict[str, int] = {}
    updates = []
    for entry in entries:
        settled = [only] if only is not None else entry["pending"]
        for code, amount in _credits(entry, set(settled)).items():
            totals[code] = totals.get(code, 0) + amount
            lock = entry.get("pending_locked", {}).get(code, 0)
            if lock:
                locks[code] = locks.get(code, 0) + lock
        left = [code for code in entry["pending"] if code not in settled]
        updates.append(
            UpdateOne(
                {"_id": entry["_id"], "pending": entry["pending"]},
                {"$set": {"pending": left}} if left else {"$unset": {"pending": ""}},
            )
        )
    for code in sorted(totals):  # one order everywhere: fewer deadlock-like retries
        change = {"balance": totals[code]}
        if locks.get(code):
            change["locked_credit"] = locks[code]  # credit it was paid with stays locked
        result = await db.wallets.update_one({"code": code}, {"$inc": change}, session=session)
        if result.matched_count != 1:
            raise RuntimeError(f"pending credit for unknown wallet {code}")
    done = await db.journal.bulk_write(updates, ordered=True, session=session)
    if done.modified_count != len(updates):
        raise SettleConflict(
            f"{len(updates) - done.modified_count} journal entries' pending "
            "credits were settled by another transaction"
        )
    return totals


async def settle_oldest(db, limit: int, session) -> int:
    """Settle the pending credits of up to `limit` of the oldest entries; returns how many
    entries."""
    entries = (
        await db.journal.find(
            {"pending": {"$exists": True}},
            {"postings": 1, "pending": 1, "pending_locked": 1},
            session=session,
        )
        .sort("_id", 1)
        .limit(limit)
        .to_list(length=limit)
    )
    await _apply(db, entries, None, session)
    return len(entries)


async def settle_wallet(db, code: str, session) -> int:
    """Settle every pending credit of one wallet, in the caller's transaction (money-out
    and a short payer do this before they debit). Returns the amount settled."""
    entries = await db.journal.find(
        {"pending": code}, {"postings": 1, "pending": 1, "pending_locked": 1}, session=session
    ).to_list(length=None)
    return (await _apply(db, entries, code, session)).get(code, 0)
