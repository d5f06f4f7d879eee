from quart import Blueprint, g, jsonify, request

from ... import session_rules, validation
from ...errors import InvalidRequest
from ...money import parse_amount, to_major
from ...security import check_pin_format
from ...services import lifecycle, payments, transactions, utcnow
from .. import client_ip, context
from .auth import account_required
from .idempotency import idempotent
from .parsing import json_body, optional_json_body
from ...representations import session_json, timestamp, transaction_json

blueprint = Blueprint("txn", __name__, url_prefix="/api/v1/txn")


@blueprint.post("/payment-session/<wallet_code>")
@account_required
@idempotent
async def create_payment_session(wallet_code):
    ctx = context()
    data = await json_body()
    validation.require_fields(data, ("amount",))
    amount = parse_amount(data["amount"], ctx.settings.currency)
    session = await payments.create_session(
        ctx, g.account, wallet_code, amount,
        description=validation.text(data, "description", required=False, max_length=500),
        success_url=validation.url(data, "successUrl"),
        cancel_url=validation.url(data, "cancelUrl"),
        client_reference_id=validation.text(data, "clientReferenceId", required=False),
        metadata=validation.metadata(data),
        idempotency_key=g.idempotency_key,
    )
    return jsonify(session_json(session, utcnow(), ctx.settings.public_base_url)), 201


@blueprint.get("/payment-session/<session_id>")
@account_required
async def read_payment_session(session_id):
    ctx = context()
    session = await payments.session_for_owner(ctx, g.account, session_id)
    return jsonify(session_json(session, utcnow(), ctx.settings.public_base_url))


@blueprint.get("/payment-sessions")
@account_required
async def list_payment_sessions():
    ctx = context()
    limit = request.args.get("limit", "20")
    if not (limit.isascii() and limit.isdigit()):
        raise InvalidRequest("limit must be a whole number from 1 to 100", field="limit")
    page = await lifecycle.list_sessions(
        ctx, g.account, status=request.args.get("status") or None, limit=int(limit),
        starting_after=request.args.get("startingAfter") or None,
    )
    now = utcnow()
    rows = [session_json(s, now, ctx.settings.public_base_url) for s in page["data"]]
    return jsonify({
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["transactionTraceId"] if page["has_more"] else None,
    })


@blueprint.post("/payment-session/<session_id>/expire")
@account_required
async def expire_payment_session(session_id):
    """Stripe's name for it; the session becomes "canceled" (the merchant ended it)."""
    ctx = context()
    session = await lifecycle.cancel_session(ctx, g.account, session_id)
    return jsonify(session_json(session, utcnow(), ctx.settings.public_base_url))


@blueprint.post("/accept-payment/<session_id>")
async def accept_payment(session_id):
    data = await json_body()
    validation.require_fields(data, ("fromWalletCode", "totalAmount", "pin"))
    payer = validation.text(data, "fromWalletCode", max_length=64)
    pin = check_pin_format(data["pin"])
    result = await payments.pay(
        context(), session_id, payer, pin, expected_total=data["totalAmount"],
        client_ip=client_ip(),
    )
    paid = result["session"]
    currency = paid["currency"]
    return jsonify({
        "transactionTraceId": paid["_id"],
        "status": paid["status"],
        "amount": to_major(paid["amount"], currency),
        "serviceFee": to_major(paid["fee"], currency),
        "totalAmount": to_major(paid["total"], currency),
        "currency": currency,
        "fromWalletCode": payer,
        "toWalletCode": paid["payee_wallet"],
        "balance": to_major(result["payer_balance"], currency),
        "paidAt": timestamp(paid["paid_at"]),
        "redirectUrl": session_rules.success_redirect(paid),
    })


@blueprint.route("/transaction", methods=["GET", "POST"])
@account_required
async def list_transactions():
    # The original API used POST for this read; GET with query parameters works too.
    data = await optional_json_body() if request.method == "POST" else {}
    limit = data.get("limit", request.args.get("limit", 20))
    if isinstance(limit, str):
        if not (limit.isascii() and limit.isdigit()):
            raise InvalidRequest("limit must be a whole number from 1 to 100", field="limit")
        limit = int(limit)
    starting_after = data.get("startingAfter", request.args.get("startingAfter"))
    if starting_after is not None and not isinstance(starting_after, str):
        raise InvalidRequest("startingAfter must be a transaction id", field="startingAfter")
    page = await transactions.list_transactions(context(), g.account, limit, starting_after)
    rows = [transaction_json(r) for r in page["data"]]
    return jsonify({
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["id"] if page["has_more"] else None,
    })
