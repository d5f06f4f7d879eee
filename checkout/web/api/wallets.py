from quart import Blueprint, g

from ...representations import wallet_json
from ...services import wallets
from .. import context
from .auth import any_account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import NewWallet, NewWalletAnswer, NoParameters, Wallets

blueprint = Blueprint("wallets", __name__, url_prefix="/api/v1/wallets")


@blueprint.post("")
@any_account_required
@idempotent(one_time=("pin",))
@errors(409, 422)
@answers(NewWalletAnswer, 201)
@body(NewWallet, optional=True)
async def create_wallet(data: NewWallet):
    """Another wallet for the account (its PIN is shown once)."""
    wallet, pin = await wallets.create_wallet(context(), g.account, data.name, data.pin)
    return {**wallet_json(wallet), "pin": pin}, 201


@blueprint.get("")
@any_account_required
@answers(Wallets)
@query(NoParameters)
async def list_wallets(query: NoParameters):
    found = await wallets.list_wallets(context(), g.account)
    return {"data": [wallet_json(w) for w in found]}
