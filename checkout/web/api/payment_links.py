"""Reusable payment links: create, list (with completed payments), deactivate."""
from quart import Blueprint, g

from ...money import parse_amount
from ...services import payment_links
from .. import context
from .auth import account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import LinkQuery, NewPaymentLink, NoParameters, PaymentLink, PaymentLinks
from ...representations import payment_link_json

blueprint = Blueprint("payment_links", __name__, url_prefix="/api/v1/payment-links")


@blueprint.post("")
@account_required
@idempotent
@errors(404, 409, 422)
@answers(PaymentLink, 201)
@body(NewPaymentLink)
async def create_link(data: NewPaymentLink):
    """A reusable link (url) that opens a new payment session for each shopper."""
    ctx = context()
    amount = parse_amount(data.amount, ctx.settings.currency)
    link = await payment_links.create_link(
        ctx, g.account, data.walletCode, amount,
        description=data.description,
        success_url=data.successUrl,
        max_payments=data.maxPayments,
    )
    return payment_link_json(link, ctx.settings.public_base_url), 201


@blueprint.get("")
@account_required
@answers(PaymentLinks)
@query(LinkQuery)
async def list_links(query: LinkQuery):
    ctx = context()
    found = await payment_links.list_links(ctx, g.account, query.limit)
    return {"data": [payment_link_json(link, ctx.settings.public_base_url)
                     for link in found]}


@blueprint.post("/<code>/deactivate")
@account_required
@errors(410)
@answers(PaymentLink)
@body(NoParameters, optional=True)
async def deactivate_link(code, data: NoParameters):
    ctx = context()
    link = await payment_links.deactivate_link(ctx, g.account, code)
    return payment_link_json(link, ctx.settings.public_base_url)
