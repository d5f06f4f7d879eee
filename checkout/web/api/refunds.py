"""Refunds of paid sessions: POST /api/v1/txn/refund/:transactionTraceId."""
from quart import Blueprint, g, jsonify

from ... import validation
from ...money import parse_amount
from ...services import payments, refunds
from .. import context
from .auth import account_required
from .idempotency import idempotent
from .parsing import optional_json_body
from ...representations import refund_json

blueprint = Blueprint("refunds", __name__, url_prefix="/api/v1/txn")


@blueprint.post("/refund/<session_id>")
@account_required
@idempotent
async def create_refund(session_id):
    ctx = context()
    data = await optional_json_body()
    reason = validation.text(data, "reason", required=False, max_length=500)
    amount = None
    if data.get("amount") is not None:
        # The session's own currency decides how many decimals an amount may have.
        session = await payments.session_for_owner(ctx, g.account, session_id)
        amount = parse_amount(data["amount"], session["currency"])
    refund = await refunds.refund(ctx, g.account, session_id, amount, reason,
                                  idempotency_key=g.idempotency_key)
    return jsonify(refund_json(refund)), 201


@blueprint.get("/refund/<session_id>")
@account_required
async def list_refunds(session_id):
    found = await refunds.list_refunds(context(), g.account, session_id)
    return jsonify({"data": [refund_json(r) for r in found]})
