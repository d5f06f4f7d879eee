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
from ..statuses import Kind, SessionStatus
from ..storage import refunds as refund_store
from ..storage import sessions as session_store
from ..storage import wallets as wallet_store
from . import Context, notices, unit_of_work, utcnow
from .payments import session_for_owner


def new_refund_id() -> str:
    return "re_" + secrets.token_hex(12)


def refund_left(session: dict) -> int:
    return session["amount"] - session.get("refunded_amount", 0)


def refuse_unrefundable(session: dict, refund: int | None) -> None:
    if session["status"] != SessionStatus.COMPLETE:
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


async def refund(
    ctx: Context,
    account: dict,
    session_id,
    amount: int | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> dict:
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

    async def move_money(uow):
        now = utcnow()
        # Money out spends settled money only: the merchant's pending credits are settled
        # here first, in this transaction, so the balance it spends from (and the lock
        # rule below) sees every payment that has committed, and nothing that has not.
        await uow.settle_wallet(payee_code)
        updated = await refund_store.add_to_refunded(
            ctx.db, session_id, session["amount"], refund_amount, uow.session
        )
        if updated is None:
            current = await session_store.find_session(ctx.db, session_id, uow.session)
            assert current is not None  # sessions are never deleted; it was found above
            refuse_unrefundable(current, refund_amount)
            raise AlreadyRefunded()  # not reached: one of the above explains the mismatch
        fee_back = 0
        if ctx.settings.refund_service_fee and session["fee"]:
            fee_back = ledger.refunded_fee_share(
                session["fee"],
                session["amount"],
                updated["refunded_amount"] - refund_amount,
                refund_amount,
            )
            if fee_back:
                await refund_store.add_to_refunded_fee(ctx.db, session_id, fee_back, uow.session)
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
            "created_at": now,
        }
        if idempotency_key is not None:
            record["idempotency_key"] = idempotency_key
        move = ledger.movement(
            Kind.REFUND,
            ledger.refund_postings(
                payee_code,
                payer_code,
                ledger.fee_wallet_for(ctx.settings.fee_wallets, session_id),
                refund_amount,
                fee_back,
            ),
            [
                ledger.Line(
                    session["account_id"], payee_code, "debit", refund_amount, 0, payer_code
                ),
                ledger.Line(
                    payer["account_id"] if payer else None,
                    payer_code,
                    "credit",
                    refund_amount + fee_back,
                    fee_back,
                    payee_code,
                ),
            ],
            currency,
            now,
            reason or f"Refund of {session.get('description') or session_id}",
            ledger.Refs(session_id=session_id, refund_id=record["_id"]),
        )
        try:
            debited = await uow.post(move)
        except InsufficientFunds:
            raise InsufficientFunds(
                "The merchant wallet balance is too low for this refund; nothing was moved."
            ) from None
        await move_locked_credit(
            ctx,
            debited[payee_code],
            updated,
            payee_code,
            payer_code,
            refund_amount + fee_back,
            uow.session,
        )
        record["journal_id"] = move["entry"]["_id"]
        await refund_store.insert_refund(ctx.db, record, uow.session)
        record["session_refunded_amount"] = updated["refunded_amount"]
        # Written in this transaction: the event exists if and only if the money moved.
        await uow.record_event(
            session["account_id"], "refund.succeeded", record, subject=session_id
        )
        if payer is not None:
            await notices.refund_made(ctx, uow, session, record, payer["account_id"])
        return record

    try:
        return await unit_of_work.run(ctx, move_money)
    except DuplicateIdempotencyKey:
        # The same key committed meanwhile; this run was rolled back whole.
        done = (
            None
            if idempotency_key is None
            else await refund_store.find_refund_by_idempotency_key(ctx.db, idempotency_key)
        )
        if done is None:
            raise
        return done


async def move_locked_credit(
    ctx: Context,
    payee_after: dict,
    session: dict,
    payee_code: str,
    payer_code: str,
    amount_back: int,
    db_session,
) -> None:
    """The locked-credit rules of a refund (see checkout/locked_credit.py): the merchant
    spends its unlocked money first and gives back, locked, the locked part of the payment
    (which it had received locked); the payer gets that part back locked. `session` is the
    session record as this refund's transaction updated it."""
    back_locked = locked_credit.locked_share_of_refund(
        session.get("payer_locked_spent", 0), session.get("payer_locked_refunded", 0), amount_back
    )
    locked = payee_after.get("locked_credit", 0)
    after = locked_credit.payee_lock_after_refund(locked, payee_after["balance"], back_locked)
    await wallet_store.change_locked_credit(ctx.db, payee_code, after - locked, db_session)
    if back_locked:
        await wallet_store.change_locked_credit(ctx.db, payer_code, back_locked, db_session)
        await refund_store.add_to_locked_refunded(ctx.db, session["_id"], back_locked, db_session)


async def list_refunds(ctx: Context, account: dict, session_id) -> list[dict]:
    session = await session_for_owner(ctx, account, session_id)
    return await refund_store.list_refunds(ctx.db, session["_id"])
