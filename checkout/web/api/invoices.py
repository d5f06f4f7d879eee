"""Invoices: create and edit drafts, finalize, void, mark uncollectible, list."""

from quart import Blueprint, g

from ...representations import invoice_json
from ...services import invoices
from .. import context
from ..pages.invoices import invoice_pdf_bytes
from .auth import account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import (
    Invoice,
    InvoiceChange,
    InvoiceQuery,
    Invoices,
    NewInvoice,
    NoParameters,
    SendInvoice,
)

blueprint = Blueprint("invoice_api", __name__, url_prefix="/api/v1/invoices")


def answer(invoice: dict) -> dict:
    return invoice_json(invoice, context().settings.public_base_url)


@blueprint.post("")
@account_required
@idempotent
@errors(404)
@answers(Invoice, 201)
@body(NewInvoice)
async def create_invoice(data: NewInvoice):
    """A draft invoice for walletCode (yours) to receive; finalize it to bill."""
    invoice = await invoices.create_invoice(
        context(),
        g.account,
        data.walletCode,
        customer_email=data.customerEmail,
        customer_name=data.customerName,
        line_items=data.lineItems,
        due_date=data.dueDate,
        memo=data.memo,
        metadata=data.metadata,
    )
    return answer(invoice), 201


@blueprint.get("")
@account_required
@answers(Invoices)
@query(InvoiceQuery)
async def list_invoices(query: InvoiceQuery):
    """The caller's invoices, newest first, optionally of one status; page with
    startingAfter=nextCursor."""
    page = await invoices.list_invoices(
        context(), g.account, query.status, query.limit, query.startingAfter
    )
    rows = [answer(invoice) for invoice in page["data"]]
    return {
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["id"] if page["has_more"] else None,
    }


@blueprint.get("/<invoice_id>")
@account_required
@answers(Invoice)
async def read_invoice(invoice_id):
    return answer(await invoices.invoice_for_owner(context(), g.account, invoice_id))


@blueprint.patch("/<invoice_id>")
@account_required
@errors(409)
@answers(Invoice)
@body(InvoiceChange)
async def change_invoice(invoice_id, data: InvoiceChange):
    """Edit a draft (409 invalid_invoice_state once finalized)."""
    fields = {
        "customer_email": data.customerEmail,
        "customer_name": data.customerName,
        "memo": data.memo,
        "metadata": data.metadata,
    }
    invoice = await invoices.change_draft(
        context(),
        g.account,
        invoice_id,
        changes={name: value for name, value in fields.items() if value is not None},
        line_items=data.lineItems,
        due_date=data.dueDate,
    )
    return answer(invoice)


@blueprint.post("/<invoice_id>/finalize")
@account_required
@idempotent
@errors(409)
@answers(Invoice)
@body(NoParameters, optional=True)
async def finalize_invoice(invoice_id, data: NoParameters):
    """Number the draft (the account's next INV-000001) and make it payable."""
    return answer(await invoices.finalize(context(), g.account, invoice_id))


@blueprint.post("/<invoice_id>/void")
@account_required
@idempotent
@errors(409)
@answers(Invoice)
@body(NoParameters, optional=True)
async def void_invoice(invoice_id, data: NoParameters):
    """An open or uncollectible invoice will never be paid."""
    return answer(await invoices.void(context(), g.account, invoice_id))


@blueprint.post("/<invoice_id>/mark-uncollectible")
@account_required
@idempotent
@errors(409)
@answers(Invoice)
@body(NoParameters, optional=True)
async def mark_uncollectible(invoice_id, data: NoParameters):
    """Written off: still payable by the customer, or voidable."""
    return answer(await invoices.mark_uncollectible(context(), g.account, invoice_id))


@blueprint.post("/<invoice_id>/send")
@account_required
@idempotent
@errors(409)
@answers(Invoice)
@body(SendInvoice, optional=True)
async def send_invoice(invoice_id, data: SendInvoice):
    """Email the customer (customerEmail) a link to the hosted invoice, with its PDF
    attached; the worker sends it. Open or uncollectible invoices only."""
    ctx = context()
    invoice = await invoices.invoice_to_send(ctx, g.account, invoice_id)
    locale = data.locale if data.locale in ("fr", "ar") else "en"
    pdf = await invoice_pdf_bytes(invoice, locale)
    return answer(await invoices.send_invoice(ctx, invoice, pdf, locale))
