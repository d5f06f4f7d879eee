"""Refunds of paid sessions: POST /api/v1/txn/refund/:transactionTraceId."""

from quart import Blueprint, g

from ...money import parse_amount
from ...representations import refund_json
from ...services import payments, refunds
from .. import context
from .auth import account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import NewRefund, NoParameters, Refund, Refunds

blueprint = Blueprint("refunds", __name__, url_prefix="/api/v1/txn")


@blueprint.post("/refund/<session_id>")
@account_required
@idempotent
@errors(402, 409, 422)
@answers(Refund, 201)
@body(NewRefund, optional=True)
async def create_refund(session_id, data: NewRefund):
    """Refund a paid session, in full or in part (amount)."""
    ctx = context()
    amount = None
    if data.amount is not None:
        # The session's own currency decides how many decimals an amount may have.
        session = await payments.session_for_owner(ctx, g.account, session_id)
        amount = parse_amount(data.amount, session["currency"])
    refund = await refunds.refund(
        ctx, g.account, session_id, amount, data.reason, idempotency_key=g.idempotency_key
    )
    return refund_json(refund), 201


@blueprint.get("/refund/<session_id>")
@account_required
@answers(Refunds)
@query(NoParameters)
async def list_refunds(session_id, query: NoParameters):
    found = await refunds.list_refunds(context(), g.account, session_id)
    return {"data": [refund_json(r) for r in found]}
