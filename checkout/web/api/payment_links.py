"""Reusable payment links: create, read, change, list (with completed payments), deactivate."""

from quart import Blueprint, g

from ...money import parse_amount
from ...representations import payment_link_json
from ...services import payment_links
from ...session_options import custom_amount
from .. import context
from .auth import account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import (
    LinkChange,
    LinkQuery,
    NewPaymentLink,
    NoParameters,
    PaymentLink,
    PaymentLinks,
)

blueprint = Blueprint("payment_links", __name__, url_prefix="/api/v1/payment-links")


@blueprint.post("")
@account_required
@idempotent
@errors(404, 409, 422)
@answers(PaymentLink, 201)
@body(NewPaymentLink)
async def create_link(data: NewPaymentLink):
    """A reusable link (url) that opens a new payment session for each shopper, for amount
    or, with customAmount, for what the shopper types within its bounds."""
    ctx = context()
    currency = ctx.settings.currency
    link = await payment_links.create_link(
        ctx,
        g.account,
        data.walletCode,
        None if data.amount is None else parse_amount(data.amount, currency),
        description=data.description,
        success_url=data.successUrl,
        max_payments=data.maxPayments,
        custom_amount=(
            None if data.customAmount is None else custom_amount(data.customAmount, currency)
        ),
        cancel_url=data.cancelUrl,
        metadata=data.metadata or {},
    )
    return payment_link_json(link, ctx.settings.public_base_url), 201


@blueprint.get("")
@account_required
@answers(PaymentLinks)
@query(LinkQuery)
async def list_links(query: LinkQuery):
    """The caller's links, newest first; page with startingAfter=nextCursor."""
    ctx = context()
    page = await payment_links.list_links(ctx, g.account, query.limit, query.startingAfter)
    rows = [payment_link_json(link, ctx.settings.public_base_url) for link in page["data"]]
    return {
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["code"] if page["has_more"] else None,
    }


@blueprint.get("/<code>")
@account_required
@answers(PaymentLink)
async def read_link(code):
    """One of the caller's links; another account's answers 404 like an unknown one."""
    ctx = context()
    link = await payment_links.link_for_owner(ctx, g.account, code)
    return payment_link_json(link, ctx.settings.public_base_url)


@blueprint.patch("/<code>")
@account_required
@errors(409)
@answers(PaymentLink)
@body(LinkChange)
async def change_link(code, data: LinkChange):
    """Change description, active or maxPayments (409 below completedPayments)."""
    ctx = context()
    link = await payment_links.change_link(
        ctx,
        g.account,
        code,
        description=data.description,
        active=data.active,
        max_payments=data.maxPayments,
    )
    return payment_link_json(link, ctx.settings.public_base_url)


@blueprint.post("/<code>/deactivate")
@account_required
@errors(410)
@answers(PaymentLink)
@body(NoParameters, optional=True)
async def deactivate_link(code, data: NoParameters):
    ctx = context()
    link = await payment_links.deactivate_link(ctx, g.account, code)
    return payment_link_json(link, ctx.settings.public_base_url)
