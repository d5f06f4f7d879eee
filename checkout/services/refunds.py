"""Refunds: money back from the merchant's wallet to the payer's, never more than was paid."""
import secrets

from .. import ledger, locked_credit
from ..errors import (
    AlreadyRefunded,
    DuplicateIdempotencyKey,
    InsufficientFunds,
    RefundTooLarge,
    SessionNotPaid,
)
from ..money import to_major
from ..representations import refund_json
from ..storage import journal as journal_store
from ..storage import refunds as refund_store
from ..storage import sessions as session_store
from ..storage import transactions as txn_store
from ..storage import wallets as wallet_store
from . import Context, utcnow
from .events import publish_pending, record_event
from .payments import session_for_owner


def new_refund_id() -> str:
    return "re_" + secrets.token_hex(12)


def refund_left(session: dict) -> int:
    return session["amount"] - session.get("refunded_amount", 0)


def refuse_unrefundable(session: dict, refund: int | None) -> None:
    if session["status"] != "complete":
        raise SessionNotPaid()
    left = refund_left(session)
    if left <= 0:
        raise AlreadyRefunded()
    if refund is not None and refund > left:
        raise RefundTooLarge(
            f"At most {to_major(left, session['currency'])} {session['currency']} "
            "is left to refund on this payment.",
            refundable=to_major(left, session["currency"]),
        )


async def refund(ctx: Context, account: dict, session_id, amount: int | None = None,
                 reason: str | None = None, idempotency_key: str | None = None) -> dict:
    """Refund a paid session in full (amount None) or in part. Returns the refund document
    with the session's new refunded total in "session_refunded_amount".

    The guard is the conditional $inc on the session record inside the transaction: two
    concurrent refunds cannot both fit, and a merchant wallet that cannot cover the refund
    aborts everything (402), the $inc included.
    """
    if idempotency_key is not None:
        done = await refund_store.find_refund_by_idempotency_key(ctx.db, idempotency_key)
        if done is not None:
            return done
    session = await session_for_owner(ctx, account, session_id)
    refuse_unrefundable(session, amount)
    refund_amount = amount if amount is not None else refund_left(session)
    payer_code, payee_code = session["payer_wallet"], session["payee_wallet"]
    payer = await wallet_store.find_wallet(ctx.db, payer_code)
    currency = session["currency"]

    recorded = []  # the outbox event of the run of move_money that committed

    async def move_money(db_session):
        now = utcnow()
        updated = await refund_store.add_to_refunded(
            ctx.db, session_id, session["amount"], refund_amount, db_session
        )
        if updated is None:
            current = await session_store.find_session(ctx.db, session_id, db_session)
            refuse_unrefundable(current, refund_amount)
            raise AlreadyRefunded()  # not reached: one of the above explains the mismatch
        fee_back = 0
        if ctx.settings.refund_service_fee and session["fee"]:
            fee_back = ledger.refunded_fee_share(
                session["fee"], session["amount"],
                updated["refunded_amount"] - refund_amount, refund_amount,
            )
            if fee_back:
                await refund_store.add_to_refunded_fee(ctx.db, session_id, fee_back, db_session)
        entry = ledger.entry(
            "refund",
            ledger.refund_postings(payee_code, payer_code,
                                   ledger.fee_wallet_for(ctx.settings.fee_wallets, session_id),
                                   refund_amount, fee_back),
            currency,
            session_id=session_id,
            created_at=now,
        )
        try:
            debited = await journal_store.record_entry(ctx.db, entry, db_session)
        except InsufficientFunds:
            raise InsufficientFunds(
                "The merchant wallet balance is too low for this refund; nothing was moved."
            ) from None
        await move_locked_credit(ctx, debited[payee_code], updated, payee_code, payer_code,
                                 refund_amount + fee_back, db_session)
        record = {
            "_id": new_refund_id(),
            "session_id": session_id,
            "account_id": session["account_id"],
            "payee_wallet": payee_code,
            "payer_wallet": payer_code,
            "amount": refund_amount,
            "fee_refunded": fee_back,
            "currency": currency,
            "reason": reason,
            "status": "succeeded",
            "journal_id": entry["_id"],
            "created_at": now,
        }
        if idempotency_key is not None:
            record["idempotency_key"] = idempotency_key
        await refund_store.insert_refund(ctx.db, record, db_session)
        shared = {
            "type": "refund",
            "currency": currency,
            "session_id": session_id,
            "refund_id": record["_id"],
            "journal_id": entry["_id"],
            "description": reason or f"Refund of {session.get('description') or session_id}",
            "created_at": now,
        }
        await txn_store.insert_transactions(
            ctx.db,
            [
                {**shared, "account_id": session["account_id"], "wallet_code": payee_code,
                 "direction": "debit", "amount": refund_amount, "fee": 0,
                 "counterparty": payer_code},
                {**shared, "account_id": payer["account_id"] if payer else None,
                 "wallet_code": payer_code, "direction": "credit",
                 "amount": refund_amount + fee_back, "fee": fee_back,
                 "counterparty": payee_code},
            ],
            db_session,
        )
        record["session_refunded_amount"] = updated["refunded_amount"]
        # Written in this transaction: the event exists if and only if the money moved.
        recorded[:] = [await record_event(
            ctx, session["account_id"], "refund.succeeded", refund_json(record), db_session,
            subject=session_id,
        )]
        return record

    try:
        record = await ctx.stores.in_transaction(move_money)
    except DuplicateIdempotencyKey:
        # The same key committed meanwhile; this run was rolled back whole.
        done = await refund_store.find_refund_by_idempotency_key(ctx.db, idempotency_key)
        if done is None:
            raise
        return done
    await publish_pending(ctx, recorded)  # never raises: the worker's relay catches up
    return record


async def move_locked_credit(ctx: Context, payee_after: dict, session: dict, payee_code: str,
                             payer_code: str, amount_back: int, db_session) -> None:
    """The locked-credit rules of a refund (see checkout/locked_credit.py): the merchant
    spends its unlocked money first; the payer gets the locked part of its payment back
    locked. `session` is the session record as this refund's transaction updated it."""
    released = locked_credit.lock_released_by_refund(
        payee_after.get("locked_credit", 0), payee_after["balance"])
    await wallet_store.change_locked_credit(ctx.db, payee_code, -released, db_session)
    back_locked = locked_credit.locked_share_of_refund(
        session.get("payer_locked_spent", 0), session.get("payer_locked_refunded", 0),
        amount_back)
    if back_locked:
        await wallet_store.change_locked_credit(ctx.db, payer_code, back_locked, db_session)
        await refund_store.add_to_locked_refunded(ctx.db, session["_id"], back_locked, db_session)


async def list_refunds(ctx: Context, account: dict, session_id) -> list[dict]:
    session = await session_for_owner(ctx, account, session_id)
    return await refund_store.list_refunds(ctx.db, session["_id"])
