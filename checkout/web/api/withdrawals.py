"""Withdrawals: POST /api/v1/txn/withdraw, and reading one back."""

from quart import Blueprint, g

from ...destinations import parse_destination
from ...errors import InvalidRequest
from ...money import parse_amount
from ...representations import withdrawal_json
from ...services import withdrawals
from .. import client_ip, context
from .auth import account_required
from .contract import answers, body, errors
from .idempotency import idempotent
from .schemas import NewWithdrawal, Withdrawal

blueprint = Blueprint("withdrawals", __name__, url_prefix="/api/v1/txn")


@blueprint.post("/withdraw")
@account_required
@idempotent
@errors(402, 403, 404, 409, 422, 423, 429)
@answers(Withdrawal, 201)
@body(NewWithdrawal)
async def create_withdrawal(data: NewWithdrawal):
    """Move money out of a wallet, confirmed with its pin or the account password."""
    ctx = context()
    amount = parse_amount(data.amount, ctx.settings.currency)
    if (data.pin is None) == (data.password is None):
        raise InvalidRequest(
            "Send the wallet's pin or the account password (one of them).",
            fields=["pin", "password"],
        )
    given = data.destination
    destination = parse_destination(
        given.iban if given else None,
        given.holderName if given else None,
        given.reference if given else None,
    )
    withdrawal = await withdrawals.withdraw(
        ctx,
        g.account,
        data.walletCode,
        amount,
        pin=data.pin,
        password=data.password,
        idempotency_key=g.idempotency_key,
        client_ip=client_ip(),
        destination=destination,
    )
    return withdrawal_json(withdrawal), 201


@blueprint.get("/withdraw/<withdrawal_id>")
@account_required
@answers(Withdrawal)
async def read_withdrawal(withdrawal_id):
    withdrawal = await withdrawals.withdrawal_for_owner(context(), g.account, withdrawal_id)
    return withdrawal_json(withdrawal)
