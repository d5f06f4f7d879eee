from pymongo import ReturnDocument, UpdateOne

from ..errors import InsufficientFunds
from ..ledger import SYSTEM_PREFIX
from .pending_credits import settle_wallet


async def insert_wallet(db, wallet: dict, session=None) -> None:
    await db.wallets.insert_one(wallet, session=session)


async def find_wallet(db, code: str, session=None) -> dict | None:
    return await db.wallets.find_one({"code": code}, session=session)


async def list_wallets(db, account_id) -> list[dict]:
    cursor = db.wallets.find({"account_id": account_id}).sort("created_at", 1)
    return await cursor.to_list(length=None)


async def ensure_platform_wallet(
    db, code: str, currency: str, now, kind: str = "platform_fees", name: str = "Platform fees"
) -> None:
    """A wallet of the platform (no account): the fee wallets, which receive service fees so
    every cent has an owner, and the operating wallet their fees are swept into."""
    await db.wallets.update_one(
        {"code": code},
        {
            "$setOnInsert": {
                "code": code,
                "account_id": None,
                "kind": kind,
                "name": name,
                "currency": currency,
                "balance": 0,
                "pin_hash": None,
                "created_at": now,
            }
        },
        upsert=True,
    )


async def apply_postings(db, postings: list[dict], session) -> dict[str, dict]:
    """Move balances for one journal entry; debits only where the balance covers them.
    Returns each debited wallet as it is after the debit ({"balance", "locked_credit"}),
    so the caller can apply the locked-credit rule that fits the movement.

    A debit spends the settled balance; when that does not cover it, the wallet's own
    pending credits (payments it received, storage/pending_credits.py) are settled first,
    in this transaction, and the debit is tried again.

    Must run inside the same transaction that inserts the journal entry.
    """
    debited = {}
    for posting in postings:
        account, amount = posting["account"], posting["amount"]
        if account.startswith(SYSTEM_PREFIX):
            continue
        if amount < 0:
            after = await _debit(db, account, -amount, session)
            if after is None and await settle_wallet(db, account, session):
                after = await _debit(db, account, -amount, session)
            if after is None:
                raise InsufficientFunds()
            debited[account] = after
        else:
            result = await db.wallets.update_one(
                {"code": account}, {"$inc": {"balance": amount}}, session=session
            )
            if result.matched_count != 1:
                raise RuntimeError(f"credit to unknown wallet {account}")
    return debited


async def _debit(db, code: str, amount: int, session) -> dict | None:
    """The guard: the debit matches only while the settled balance covers it."""
    return await db.wallets.find_one_and_update(
        {"code": code, "balance": {"$gte": amount}},
        {"$inc": {"balance": -amount}},
        projection={"balance": 1, "locked_credit": 1},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def find_wallets(db, codes: list[str], session) -> list[dict]:
    return await db.wallets.find(
        {"code": {"$in": codes}}, {"code": 1, "balance": 1, "locked_credit": 1}, session=session
    ).to_list(length=None)


async def debit_wallets(db, debits: dict[str, tuple[int, int]], session) -> bool:
    """Debit many wallets in one command (a batch of payments): code -> (amount, part of
    it taken from the locked credit). Each debit only matches while the settled balance
    covers it. False when any did not match: the caller's transaction must run again."""
    if not debits:
        return True
    result = await db.wallets.bulk_write(
        [
            UpdateOne(
                {"code": code, "balance": {"$gte": amount}},
                {"$inc": {"balance": -amount, **({"locked_credit": -locked} if locked else {})}},
            )
            for code, (amount, locked) in sorted(debits.items())
        ],
        ordered=True,
        session=session,
    )
    return result.matched_count == len(debits)


async def change_locked_credit(db, code: str, change: int, session) -> None:
    """Raise or lower a wallet's locked welcome credit, in the money transaction."""
    if change:
        await db.wallets.update_one(
            {"code": code}, {"$inc": {"locked_credit": change}}, session=session
        )
