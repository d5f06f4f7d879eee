"""Top-ups: an operator brings money into the closed loop, from the issuance account.

Each credited top-up is one balanced journal entry, a `top_up` row in the owner's
transaction list and a wallet.topped_up event, all in one unit of work with the top-up
record itself. The record's reference is unique (a MongoDB index): the same reference
never credits twice, even when two operators submit it at the same moment.

Above TOPUP_APPROVAL_THRESHOLD a top-up waits as pending_approval, crediting nothing,
until an admin other than its requester approves (or rejects) it."""

import re
import secrets
from decimal import Decimal

from .. import ledger
from ..errors import (
    DuplicateIdempotencyKey,
    InvalidRequest,
    OperatorRequired,
    SelfApproval,
    TopUpNotFound,
    TopUpNotPending,
    TopUpReferenceConflict,
    WalletNotFound,
)
from ..money import exponent
from ..statuses import Kind, OperatorRole, TopUpStatus
from ..storage import topups as topup_store
from ..storage import wallets as wallet_store
from . import Context, unit_of_work, utcnow
from .audit import Actor, record

REFERENCE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,79}$")


def new_topup_id() -> str:
    return "tu_" + secrets.token_hex(12)


def check_reference(reference: object) -> str:
    if not isinstance(reference, str) or not REFERENCE_PATTERN.match(reference.strip()):
        raise InvalidRequest(
            "reference must be 1 to 80 letters, digits or . _ : / - (e.g. a bank transfer id)",
            field="reference",
        )
    return reference.strip()


def approval_threshold(ctx: Context, currency: str) -> int:
    return int(Decimal(ctx.settings.topup_approval_threshold).scaleb(exponent(currency)))


def require_admin(actor: Actor) -> None:
    if actor.role != OperatorRole.ADMIN:
        raise OperatorRequired()


def same_request(topup: dict, wallet_code: str, amount: int) -> dict:
    """A repeat of a reference: the first top-up if it asked for the same thing."""
    if topup["wallet_code"] != wallet_code or topup["amount"] != amount:
        raise TopUpReferenceConflict()
    return {**topup, "repeated": True}


async def top_up(
    ctx: Context, actor: Actor, wallet_code, amount: int, reference, reason: str | None
) -> dict:
    """Credit `amount` (minor units) to a merchant wallet, or file it for approval."""
    require_admin(actor)
    reference = check_reference(reference)
    if not isinstance(wallet_code, str):
        raise WalletNotFound()
    done = await topup_store.find_topup_by_reference(ctx.db, reference)
    if done is not None:
        return same_request(done, wallet_code, amount)
    wallet = await wallet_store.find_wallet(ctx.db, wallet_code)
    if wallet is None or wallet.get("account_id") is None:  # platform wallets are not topped up
        raise WalletNotFound()
    now = utcnow()
    needs_approval = amount > approval_threshold(ctx, wallet["currency"])
    topup = {
        "_id": new_topup_id(),
        "reference": reference,
        "wallet_code": wallet["code"],
        "account_id": wallet["account_id"],
        "amount": amount,
        "currency": wallet["currency"],
        "reason": reason,
        "status": TopUpStatus.PENDING_APPROVAL if needs_approval else TopUpStatus.CREDITED,
        "requested_by": {"id": actor.operator_id, "email": actor.email},
        "created_at": now,
        "decided_by": None,
        "credited_at": None if needs_approval else now,
        "journal_id": None,
    }

    async def write(uow):
        doc = dict(topup)  # fresh per attempt: the callback may be retried
        move = None if needs_approval else credit_movement(doc, now)
        if move is not None:
            doc["journal_id"] = move["entry"]["_id"]
        # First: the unique reference is the guard; a concurrent twin fails here.
        await topup_store.insert_topup(ctx.db, doc, uow.session)
        if move is not None:
            await credit(uow, doc, move)
        await record(
            ctx,
            actor,
            "topup.request" if needs_approval else "topup.credit",
            wallet["code"],
            reason,
            uow.session,
            topup_id=doc["_id"],
            reference=reference,
            amount=amount,
        )
        return doc

    try:
        return await unit_of_work.run(ctx, write)
    except DuplicateIdempotencyKey:
        # The same reference committed meanwhile; this attempt was rolled back whole.
        done = await topup_store.find_topup_by_reference(ctx.db, reference)
        if done is None:
            raise
        return same_request(done, wallet_code, amount)


def credit_movement(topup: dict, now) -> dict:
    return ledger.movement(
        Kind.TOP_UP,
        ledger.issuance_postings(topup["wallet_code"], topup["amount"]),
        [ledger.Line(topup["account_id"], topup["wallet_code"], "credit", topup["amount"])],
        topup["currency"],
        now,
        f"Top-up {topup['reference']}",
    )


async def credit(uow, topup: dict, move: dict) -> None:
    await uow.post(move)
    await uow.record_event(topup["account_id"], "wallet.topped_up", topup, subject=topup["_id"])


async def decide(
    ctx: Context, actor: Actor, topup_id, approve: bool, reason: str | None = None
) -> dict:
    """Approve (credit now) or reject a pending top-up, exactly once, by an admin who is
    not its requester."""
    require_admin(actor)
    topup = await topup_store.find_topup(ctx.db, topup_id)
    if topup is None:
        raise TopUpNotFound()
    requester = topup["requested_by"]
    if (requester["id"] is not None and requester["id"] == actor.operator_id) or (
        requester["email"] == actor.email
    ):
        raise SelfApproval()

    async def write(uow):
        now = utcnow()
        decided = {
            **topup,
            "status": TopUpStatus.CREDITED if approve else TopUpStatus.REJECTED,
            "decided_by": {"id": actor.operator_id, "email": actor.email},
            "decided_at": now,
            "decision_reason": reason,
        }
        move = credit_movement(decided, now) if approve else None
        if move is not None:
            decided["journal_id"] = move["entry"]["_id"]
            decided["credited_at"] = now
        changes = {
            k: decided[k]
            for k in (
                "status",
                "decided_by",
                "decided_at",
                "decision_reason",
                "journal_id",
                "credited_at",
            )
        }
        if not await topup_store.decide_topup(ctx.db, topup["_id"], changes, uow.session):
            raise TopUpNotPending()
        if move is not None:
            await credit(uow, decided, move)
        await record(
            ctx,
            actor,
            "topup.approve" if approve else "topup.reject",
            topup["wallet_code"],
            reason,
            uow.session,
            topup_id=topup["_id"],
            amount=topup["amount"],
        )
        return decided

    return await unit_of_work.run(ctx, write)


async def list_topups(ctx: Context, status: str | None = None) -> list[dict]:
    return await topup_store.list_topups(ctx.db, status)
