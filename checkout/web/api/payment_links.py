"""Reusable payment links: create, list (with completed payments), deactivate."""
from quart import Blueprint, g, jsonify

from ... import validation
from ...errors import InvalidRequest
from ...money import parse_amount
from ...services import payment_links
from .. import context
from .auth import account_required
from .idempotency import idempotent
from .parsing import json_body, optional_json_body, query_int
from ...representations import payment_link_json

blueprint = Blueprint("payment_links", __name__, url_prefix="/api/v1/payment-links")

MAX_PAYMENTS_LIMIT = 1_000_000


@blueprint.post("")
@account_required
@idempotent
async def create_link():
    ctx = context()
    data = await json_body()
    validation.require_fields(data, ("walletCode", "amount", "description"))
    wallet_code = validation.text(data, "walletCode", max_length=64)
    amount = parse_amount(data["amount"], ctx.settings.currency)
    max_payments = data.get("maxPayments")
    if max_payments is not None and (
        isinstance(max_payments, bool) or not isinstance(max_payments, int)
        or not 1 <= max_payments <= MAX_PAYMENTS_LIMIT
    ):
        raise InvalidRequest(f"maxPayments must be a whole number from 1 to {MAX_PAYMENTS_LIMIT}",
                             field="maxPayments")
    link = await payment_links.create_link(
        ctx, g.account, wallet_code, amount,
        description=validation.text(data, "description", max_length=500),
        success_url=validation.url(data, "successUrl"),
        max_payments=max_payments,
    )
    return jsonify(payment_link_json(link, ctx.settings.public_base_url)), 201


@blueprint.get("")
@account_required
async def list_links():
    ctx = context()
    limit = query_int("limit", payment_links.MAX_LINKS_LISTED)
    if not 1 <= limit <= payment_links.MAX_LINKS_LISTED:
        raise InvalidRequest(f"limit must be from 1 to {payment_links.MAX_LINKS_LISTED}",
                             field="limit")
    found = await payment_links.list_links(ctx, g.account, limit)
    return jsonify({"data": [payment_link_json(link, ctx.settings.public_base_url)
                             for link in found]})


@blueprint.post("/<code>/deactivate")
@account_required
async def deactivate_link(code):
    ctx = context()
    await optional_json_body()  # no parameters; a malformed body is still refused
    link = await payment_links.deactivate_link(ctx, g.account, code)
    return jsonify(payment_link_json(link, ctx.settings.public_base_url))
