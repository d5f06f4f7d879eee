from quart import Blueprint, g, jsonify

from ... import validation
from ...security import check_pin_format
from ...services import wallets
from .. import context
from .auth import account_required
from .idempotency import idempotent
from .parsing import optional_json_body
from ...representations import wallet_json

blueprint = Blueprint("wallets", __name__, url_prefix="/api/v1/wallets")


@blueprint.post("")
@account_required
@idempotent
async def create_wallet():
    data = await optional_json_body()
    name = validation.text(data, "name", required=False, max_length=60)
    pin = check_pin_format(data["pin"]) if data.get("pin") is not None else None
    wallet, pin = await wallets.create_wallet(context(), g.account, name, pin)
    return jsonify({**wallet_json(wallet), "pin": pin}), 201


@blueprint.get("")
@account_required
async def list_wallets():
    found = await wallets.list_wallets(context(), g.account)
    return jsonify({"data": [wallet_json(w) for w in found]})
