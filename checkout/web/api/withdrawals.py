"""Withdrawals: POST /api/v1/txn/withdraw, and reading one back."""
from quart import Blueprint, g, jsonify

from ... import validation
from ...errors import InvalidRequest
from ...money import parse_amount
from ...security import check_pin_format
from ...services import withdrawals
from .. import client_ip, context
from .auth import account_required
from .idempotency import idempotent
from .parsing import json_body
from ...representations import withdrawal_json

blueprint = Blueprint("withdrawals", __name__, url_prefix="/api/v1/txn")


@blueprint.post("/withdraw")
@account_required
@idempotent
async def create_withdrawal():
    ctx = context()
    data = await json_body()
    validation.require_fields(data, ("walletCode", "amount"))
    wallet_code = validation.text(data, "walletCode", max_length=64)
    amount = parse_amount(data["amount"], ctx.settings.currency)
    has_pin, has_password = data.get("pin") is not None, data.get("password") is not None
    if has_pin == has_password:
        raise InvalidRequest("Send the wallet's pin or the account password (one of them).",
                             fields=["pin", "password"])
    pin = check_pin_format(data["pin"]) if has_pin else None
    password = validation.password(data, "password", new=False) if has_password else None
    withdrawal = await withdrawals.withdraw(ctx, g.account, wallet_code, amount,
                                            pin=pin, password=password,
                                            idempotency_key=g.idempotency_key,
                                            client_ip=client_ip())
    return jsonify(withdrawal_json(withdrawal)), 201


@blueprint.get("/withdraw/<withdrawal_id>")
@account_required
async def read_withdrawal(withdrawal_id):
    withdrawal = await withdrawals.withdrawal_for_owner(context(), g.account, withdrawal_id)
    return jsonify(withdrawal_json(withdrawal))
