"""Withdrawals: money leaves a wallet for a payout, which an operator later marks paid or
failed. Until then it waits in the payouts clearing account, still counted as held."""

import secrets
from decimal import Decimal

from .. import ledger
from ..errors import (
    AccountFrozen,
    DuplicateIdempotencyKey,
    InsufficientFunds,
    WithdrawalNotFound,
    WithdrawalNotPending,
)
from ..money import exponent, to_major
from ..statuses import Kind, WithdrawalStatus
from ..storage import wallets as wallet_store
from ..storage import withdrawals as withdrawal_store
from . import Context, audit, email_verification, notices, owned_by, unit_of_work, utcnow
from .accounts import require_merchant
from .audit import Actor
from .limits import verify_password_again
from .pins import check_pin
from .wallets import owned_wallet


def new_withdrawal_id() -> str:
    return "wd_" + secrets.token_hex(12)


def withdrawal_fee(ctx: Context, currency: str) -> int:
    return int(Decimal(ctx.settings.withdrawal_fee).scaleb(exponent(currency)))


async def check_owner_secret(
    ctx: Context, account: dict, wallet: dict, pin, password, client_ip: str | None = None
) -> None:
    """The wallet PIN (under its lockouts) or the account password authorises a withdrawal."""
    if pin is not None:
        await check_pin(ctx, wallet["code"], wallet, pin, client_ip=client_ip)
        return
    await verify_password_again(ctx, account, password, "The password is incorrect.")


async def withdraw(
    ctx: Context,
    account: dict,
    wallet_code,
    amount: int,
    *,
    pin: str | None = None,
    password: str | None = None,
    idempotency_key: str | None = None,
    client_ip: str | None = None,
    destination: dict | None = None,
) -> dict:
    """amount + WITHDRAWAL_FEE leave the wallet in one entry; the withdrawal is pending.
    Returns the withdrawal with the wallet's new balance in "wallet_balance".
    With an idempotency key, a repeat returns the first withdrawal and moves nothing."""
    require_merchant(account)
    if idempotency_key is not None:
        done = await withdrawal_store.find_withdrawal_by_idempotency_key(ctx.db, idempotency_key)
        if done is not None:
            return done
    email_verification.require_verified(ctx, account)
    if account.get("frozen"):
        raise AccountFrozen()
    wallet = await owned_wallet(ctx, account, wallet_code)
    await check_owner_secret(ctx, account, wallet, pin, password, client_ip)
    currency = wallet["currency"]
    fee = withdrawal_fee(ctx, currency)

    async def move_money(uow):
        now = utcnow()
        # Money out spends settled money only: the wallet's pending credits (payments it
        # received) are settled first, in this transaction, then everything is checked
        # against the settled balance.
        await uow.settle_wallet(wallet["code"])
        # Read in the transaction's snapshot: a payment that changes this wallet meanwhile
        # makes the transaction conflict and run again, so the check cannot go stale.
        current = await wallet_store.find_wallet(ctx.db, wallet["code"], uow.session)
        assert current is not None  # wallets are never deleted, and this one was just found
        locked = current.get("locked_credit", 0)
        if current["balance"] - locked < amount + fee:
            raise InsufficientFunds(
                "The wallet balance does not cover the amount plus the withdrawal fee."
                + (
                    f" Its welcome credit ({to_major(locked, currency)} {currency}) can be"
                    " spent but not withdrawn."
                    if locked
                    else ""
                )
            )
        withdrawal = {
            "_id": new_withdrawal_id(),
            "account_id": account["_id"],
            "wallet_code": wallet["code"],
            "amount": amount,
            "fee": fee,
            "currency": currency,
            "status": WithdrawalStatus.PENDING,
            "created_at": now,
            "settled_at": None,
            "note": None,
            "destination": destination,  # destinations.parse_destination; None: not given
        }
        if idempotency_key is not None:
            withdrawal["idempotency_key"] = idempotency_key
        move = ledger.movement(
            Kind.WITHDRAWAL,
            ledger.withdrawal_postings(
                wallet["code"],
                ledger.fee_wallet_for(ctx.settings.fee_wallets, wallet["code"]),
                amount,
                fee,
            ),
            [ledger.Line(account["_id"], wallet["code"], "debit", amount + fee, fee)],
            currency,
            now,
            "Withdrawal",
            ledger.Refs(withdrawal_id=withdrawal["_id"]),
        )
        try:
            debited = await uow.post(move)
        except InsufficientFunds:
            raise InsufficientFunds(
                "The wallet balance does not cover the amount plus the withdrawal fee."
            ) from None
        withdrawal["journal_id"] = move["entry"]["_id"]
        await withdrawal_store.insert_withdrawal(ctx.db, withdrawal, uow.session)
        await notices.withdrawal_changed(ctx, uow, withdrawal)
        return {**withdrawal, "wallet_balance": debited[wallet["code"]]["balance"]}

    try:
        return await unit_of_work.run(ctx, move_money)
    except DuplicateIdempotencyKey:
        # The same key committed meanwhile; this run was rolled back whole.
        done = (
            None
            if idempotency_key is None
            else await withdrawal_store.find_withdrawal_by_idempotency_key(ctx.db, idempotency_key)
        )
        if done is None:
            raise
        return done


async def withdrawal_for_owner(ctx: Context, account: dict, withdrawal_id) -> dict:
    withdrawal = (
        await withdrawal_store.find_withdrawal(ctx.db, withdrawal_id)
        if isinstance(withdrawal_id, str)
        else None
    )
    return owned_by(withdrawal, account, WithdrawalNotFound)


async def list_withdrawals(ctx: Context, account: dict, limit: int = 100) -> list[dict]:
    """The account's withdrawals, newest first (the dashboard's list)."""
    return await withdrawal_store.list_account_withdrawals(ctx.db, account["_id"], limit)


async def pending_withdrawals(ctx: Context, limit: int = 1000) -> list[dict]:
    return await withdrawal_store.list_withdrawals_by_status(
        ctx.db, WithdrawalStatus.PENDING, limit
    )


async def settle(
    ctx: Context, withdrawal_id: str, outcome: str, note: str | None, actor: Actor
) -> dict:
    """Mark a pending withdrawal paid or failed, exactly once, on `actor`'s word.

    paid: the amount leaves payouts clearing (and the closed loop) back to issuance.
    failed: a reversing entry returns amount and fee to the wallet.
    The pending -> outcome flip, the entry and the audit entry share one transaction, so
    marking the same withdrawal twice, even at the same moment, moves money once (the
    other gets 409), and no payout is settled without its audit entry.
    """
    if outcome not in (WithdrawalStatus.PAID, WithdrawalStatus.FAILED):
        raise ValueError("outcome must be paid or failed")
    withdrawal = await withdrawal_store.find_withdrawal(ctx.db, withdrawal_id)
    if withdrawal is None:
        raise WithdrawalNotFound()

    async def move_money(uow):
        now = utcnow()
        if not await withdrawal_store.settle_withdrawal(
            ctx.db, withdrawal_id, outcome, now, note, uow.session
        ):
            current = await withdrawal_store.find_withdrawal(ctx.db, withdrawal_id, uow.session)
            assert current is not None  # withdrawals are never deleted; it was found above
            raise WithdrawalNotPending(
                f"Withdrawal {withdrawal_id} is already {current['status']}.",
                withdrawal_status=current["status"],
            )
        amount, fee, currency = withdrawal["amount"], withdrawal["fee"], withdrawal["currency"]
        refs = ledger.Refs(withdrawal_id=withdrawal_id)
        if outcome == WithdrawalStatus.PAID:
            move = ledger.movement(
                Kind.WITHDRAWAL_PAID,
                ledger.withdrawal_paid_postings(amount),
                [],
                currency,
                now,
                "Withdrawal paid out",
                refs,
            )
        else:
            wallet_code = withdrawal["wallet_code"]
            move = ledger.movement(
                Kind.WITHDRAWAL_FAILED,
                ledger.withdrawal_reversal_postings(
                    wallet_code,
                    ledger.fee_wallet_for(ctx.settings.fee_wallets, wallet_code),
                    amount,
                    fee,
                ),
                [ledger.Line(withdrawal["account_id"], wallet_code, "credit", amount + fee, fee)],
                currency,
                now,
                "Withdrawal failed: amount and fee returned",
                refs,
                row_type=Kind.WITHDRAWAL_REVERSAL,
            )
        await uow.post(move)
        settled = {**withdrawal, "status": outcome, "settled_at": now, "note": note}
        # Written in this transaction: the event exists if and only if the money moved.
        await uow.record_event(
            withdrawal["account_id"],
            f"withdrawal.{outcome}",
            settled,
            subject=withdrawal_id,
        )
        await notices.withdrawal_changed(ctx, uow, settled)
        await audit.record(
            ctx,
            actor,
            f"payout.{outcome}",
            withdrawal_id,
            note,
            uow.session,
            wallet_code=withdrawal["wallet_code"],
            amount=amount,
        )
        return settled

    return await unit_of_work.run(ctx, move_money)
