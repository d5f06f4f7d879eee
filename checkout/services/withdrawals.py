"""Withdrawals: money leaves a wallet for a payout, which an operator later marks paid or
failed. Until then it waits in the payouts clearing account, still counted as held."""
import secrets
from decimal import Decimal

from .. import ledger
from ..errors import (
    DuplicateIdempotencyKey,
    InsufficientFunds,
    WithdrawalNotFound,
    WithdrawalNotPending,
)
from ..money import exponent, to_major
from ..representations import withdrawal_json
from ..storage import journal as journal_store
from ..storage import transactions as txn_store
from ..storage import wallets as wallet_store
from ..storage import withdrawals as withdrawal_store
from . import Context, utcnow
from .events import publish_pending, record_event
from .limits import verify_password_again
from .payments import check_pin
from .wallets import owned_wallet


def new_withdrawal_id() -> str:
    return "wd_" + secrets.token_hex(12)


def withdrawal_fee(ctx: Context, currency: str) -> int:
    return int(Decimal(ctx.settings.withdrawal_fee).scaleb(exponent(currency)))


async def check_owner_secret(ctx: Context, account: dict, wallet: dict, pin, password,
                             client_ip: str | None = None) -> None:
    """The wallet PIN (under its lockouts) or the account password authorises a withdrawal."""
    if pin is not None:
        await check_pin(ctx, wallet["code"], wallet, pin, client_ip=client_ip)
        return
    await verify_password_again(ctx, account, password, "The password is incorrect.")


async def withdraw(ctx: Context, account: dict, wallet_code, amount: int, *,
                   pin: str | None = None, password: str | None = None,
                   idempotency_key: str | None = None, client_ip: str | None = None) -> dict:
    """amount + WITHDRAWAL_FEE leave the wallet in one entry; the withdrawal is pending.
    Returns the withdrawal with the wallet's new balance in "wallet_balance".
    With an idempotency key, a repeat returns the first withdrawal and moves nothing."""
    if idempotency_key is not None:
        done = await withdrawal_store.find_withdrawal_by_idempotency_key(ctx.db, idempotency_key)
        if done is not None:
            return done
    wallet = await owned_wallet(ctx, account, wallet_code)
    await check_owner_secret(ctx, account, wallet, pin, password, client_ip)
    currency = wallet["currency"]
    fee = withdrawal_fee(ctx, currency)

    async def move_money(db_session):
        now = utcnow()
        # Read in the transaction's snapshot: a payment that changes this wallet meanwhile
        # makes the transaction conflict and run again, so the check cannot go stale.
        current = await wallet_store.find_wallet(ctx.db, wallet["code"], db_session)
        locked = current.get("locked_credit", 0)
        if current["balance"] - locked < amount + fee:
            raise InsufficientFunds(
                "The wallet balance does not cover the amount plus the withdrawal fee."
                + (f" Its welcome credit ({to_major(locked, currency)} {currency}) can be"
                   " spent but not withdrawn." if locked else "")
            )
        entry = ledger.entry(
            "withdrawal",
            ledger.withdrawal_postings(
                wallet["code"], ledger.fee_wallet_for(ctx.settings.fee_wallets, wallet["code"]),
                amount, fee,
            ),
            currency,
            created_at=now,
        )
        try:
            await journal_store.record_entry(ctx.db, entry, db_session)
        except InsufficientFunds:
            raise InsufficientFunds(
                "The wallet balance does not cover the amount plus the withdrawal fee."
            ) from None
        withdrawal = {
            "_id": new_withdrawal_id(),
            "account_id": account["_id"],
            "wallet_code": wallet["code"],
            "amount": amount,
            "fee": fee,
            "currency": currency,
            "status": "pending",
            "journal_id": entry["_id"],
            "created_at": now,
            "settled_at": None,
            "note": None,
        }
        if idempotency_key is not None:
            withdrawal["idempotency_key"] = idempotency_key
        await withdrawal_store.insert_withdrawal(ctx.db, withdrawal, db_session)
        await txn_store.insert_transactions(ctx.db, [{
            "account_id": account["_id"], "wallet_code": wallet["code"], "type": "withdrawal",
            "direction": "debit", "amount": amount + fee, "fee": fee, "currency": currency,
            "counterparty": None, "session_id": None, "withdrawal_id": withdrawal["_id"],
            "journal_id": entry["_id"], "description": "Withdrawal", "created_at": now,
        }], db_session)
        updated = await wallet_store.find_wallet(ctx.db, wallet["code"], db_session)
        return {**withdrawal, "wallet_balance": updated["balance"]}

    try:
        return await ctx.stores.in_transaction(move_money)
    except DuplicateIdempotencyKey:
        # The same key committed meanwhile; this run was rolled back whole.
        done = await withdrawal_store.find_withdrawal_by_idempotency_key(ctx.db, idempotency_key)
        if done is None:
            raise
        return done


async def pending_withdrawals(ctx: Context, limit: int = 1000) -> list[dict]:
    return await withdrawal_store.list_withdrawals_by_status(ctx.db, "pending", limit)


async def settle(ctx: Context, withdrawal_id: str, outcome: str, note: str | None = None) -> dict:
    """Mark a pending withdrawal paid or failed, exactly once.

    paid: the amount leaves payouts clearing (and the closed loop) back to issuance.
    failed: a reversing entry returns amount and fee to the wallet.
    The pending -> outcome flip and the entry share one transaction, so marking the same
    withdrawal twice, even at the same moment, moves money once; the other gets 409.
    """
    if outcome not in ("paid", "failed"):
        raise ValueError("outcome must be paid or failed")
    withdrawal = await withdrawal_store.find_withdrawal(ctx.db, withdrawal_id)
    if withdrawal is None:
        raise WithdrawalNotFound()

    recorded = []  # the outbox event of the run of move_money that committed

    async def move_money(db_session):
        now = utcnow()
        if not await withdrawal_store.settle_withdrawal(
            ctx.db, withdrawal_id, outcome, now, note, db_session
        ):
            current = await withdrawal_store.find_withdrawal(ctx.db, withdrawal_id, db_session)
            raise WithdrawalNotPending(
                f"Withdrawal {withdrawal_id} is already {current['status']}.",
                withdrawal_status=current["status"],
            )
        amount, fee, currency = withdrawal["amount"], withdrawal["fee"], withdrawal["currency"]
        if outcome == "paid":
            postings = ledger.withdrawal_paid_postings(amount)
        else:
            postings = ledger.withdrawal_reversal_postings(
                withdrawal["wallet_code"],
                ledger.fee_wallet_for(ctx.settings.fee_wallets, withdrawal["wallet_code"]),
                amount, fee,
            )
        entry = ledger.entry(f"withdrawal_{outcome}", postings, currency,
                             withdrawal_id=withdrawal_id, created_at=now)
        await journal_store.record_entry(ctx.db, entry, db_session)
        if outcome == "failed":
            await txn_store.insert_transactions(ctx.db, [{
                "account_id": withdrawal["account_id"], "wallet_code": withdrawal["wallet_code"],
                "type": "withdrawal_reversal", "direction": "credit", "amount": amount + fee,
                "fee": fee, "currency": currency, "counterparty": None, "session_id": None,
                "withdrawal_id": withdrawal_id, "journal_id": entry["_id"],
                "description": "Withdrawal failed: amount and fee returned", "created_at": now,
            }], db_session)
        settled = {**withdrawal, "status": outcome, "settled_at": now, "note": note}
        # Written in this transaction: the event exists if and only if the money moved.
        recorded[:] = [await record_event(
            ctx, withdrawal["account_id"], f"withdrawal.{outcome}", withdrawal_json(settled),
            db_session, subject=withdrawal_id,
        )]
        return settled

    settled = await ctx.stores.in_transaction(move_money)
    await publish_pending(ctx, recorded)  # never raises: the worker's relay catches up
    return settled
