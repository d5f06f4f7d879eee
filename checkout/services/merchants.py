"""The operator's view of merchants: search, detail, freeze and unfreeze, wallets with
their PIN lockout (and unlock) and statement."""

import contextlib

from bson import ObjectId
from bson.errors import InvalidId

from ..errors import NotFound, WalletNotFound
from ..storage import accounts as account_store
from ..storage import console as console_store
from ..storage import pin_attempts, reports
from ..storage import sessions as session_store
from ..storage import wallets as wallet_store
from ..stores import STORE_ERRORS
from . import Context, forget_account, unit_of_work, utcnow
from .audit import Actor, record
from .pins import MAX_PIN_FAILURES
from .topups import require_admin
from .wallets import with_pending_credits

STATEMENT_SIZE = 50


class MerchantNotFound(NotFound):
    code, message = "merchant_not_found", "No merchant account has this id."


async def search(ctx: Context, text: str) -> list[dict]:
    """By wallet code (exact), else email or organization (contains)."""
    text = text.strip()
    if text.startswith("wllt-"):
        wallet = await wallet_store.find_wallet(ctx.db, text.lower())
        if wallet is None or wallet.get("account_id") is None:
            return []
        account = await account_store.find_account(ctx.db, str(wallet["account_id"]))
        return [account] if account else []
    return await console_store.search_accounts(ctx.db, text)


async def find_merchant(ctx: Context, account_id) -> dict:
    account = await account_store.find_account(ctx.db, account_id) if account_id else None
    if account is None:
        raise MerchantNotFound()
    return account


async def detail(ctx: Context, account_id) -> dict:
    account = await find_merchant(ctx, account_id)
    wallets = await with_pending_credits(
        ctx, await wallet_store.list_wallets(ctx.db, account["_id"])
    )
    return {
        "merchant": account,
        "wallets": wallets,
        "sessions": await console_store.recent_sessions(ctx.db, account["_id"]),
        "transactions": await console_store.recent_transactions(ctx.db, account["_id"]),
    }


async def set_frozen(
    ctx: Context, actor: Actor, account_id, frozen: bool, reason: str | None
) -> dict:
    """Freeze (or unfreeze) a merchant: its API answers 403 account_frozen, it cannot create
    sessions or withdraw, and its open sessions cannot be paid (the flag is copied onto them
    in the same transaction, see storage/sessions.flag_open_sessions_frozen)."""
    require_admin(actor)
    account = await find_merchant(ctx, account_id)

    async def write(uow):
        await account_store.set_frozen(ctx.db, account["_id"], frozen, utcnow(), uow.session)
        ids = await session_store.flag_open_sessions_frozen(
            ctx.db, account["_id"], frozen, uow.session
        )
        await record(
            ctx,
            actor,
            "merchant.freeze" if frozen else "merchant.unfreeze",
            account["email"],
            reason,
            uow.session,
            account_id=str(account["_id"]),
            open_sessions=len(ids),
        )
        return ids

    ids = await unit_of_work.run(ctx, write)
    # The API reads the account from its Redis copy: drop it so the freeze applies now.
    await forget_account(ctx, account["_id"])
    # The checkout pages read the Redis copy first: drop it so they show the change now.
    # If Redis fails, the pay path still refuses: it checks the durable session.
    with contextlib.suppress(*STORE_ERRORS):
        await session_store.forget_cached_sessions(ctx.redis, ids)
    return {**account, "frozen": frozen}


async def wallet_detail(ctx: Context, code: str, before: str | None = None) -> dict:
    wallet = await wallet_store.find_wallet(ctx.db, code) if isinstance(code, str) else None
    if wallet is None:
        raise WalletNotFound()
    [wallet] = await with_pending_credits(ctx, [wallet])
    failures, ttl = await pin_attempts.lock_state(ctx.redis, code)
    try:
        before_id = ObjectId(before) if before else None
    except InvalidId:
        before_id = None
    entries = await reports.statement_entries(ctx.db, code, STATEMENT_SIZE, before_id)
    owner = (
        await account_store.find_account(ctx.db, str(wallet["account_id"]))
        if wallet.get("account_id")
        else None
    )
    return {
        "wallet": wallet,
        "owner": owner,
        "pin_failures": failures,
        "pin_locked": failures >= MAX_PIN_FAILURES,
        "pin_lock_seconds": max(ttl, 0),
        "entries": [
            {**e, "amount": sum(p["amount"] for p in e["postings"] if p["account"] == code)}
            for e in entries
        ],
    }


async def unlock_pin(ctx: Context, actor: Actor, code: str, reason: str | None) -> None:
    """Forget a wallet's wrong PINs (support may): the owner can try again at once."""
    wallet = await wallet_store.find_wallet(ctx.db, code) if isinstance(code, str) else None
    if wallet is None:
        raise WalletNotFound()
    # Redis and MongoDB share no transaction: the audit entry goes first, so an unlock
    # never happens unrecorded (at worst an entry stands for an unlock that failed).
    await record(ctx, actor, "wallet.unlock_pin", code, reason)
    await pin_attempts.clear_failures(ctx.redis, code)
