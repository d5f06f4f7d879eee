"""/invoice/:id: the customer's hosted invoice, and the PDFs of invoices and receipts.

The page works without JavaScript: Pay posts a CSRF-protected form, which opens a checkout
session for the invoice's total (limited per address) and redirects to it. The invoice is
marked paid in that payment's transaction, so only one of its sessions can ever be paid.
"""

import asyncio

from quart import Blueprint, Response, g, redirect, render_template, request, url_for

from ...documents import render_pdf
from ...errors import InvalidInvoiceState, InvoiceNotFound, RateLimited
from ...i18n import DEFAULT_LOCALE, current_locale, format_timestamp, gettext, ngettext
from ...representations import mask_wallet
from ...services import invoices, payments
from ...statuses import InvoiceStatus, SessionStatus
from .. import client_ip, context
from .forms import ContinueForm

blueprint = Blueprint("invoices", __name__)

# The page carries a CSRF token and shows a customer's bill: no shared caching.
NO_STORE = {"Cache-Control": "no-store"}


def page_context(invoice: dict) -> dict:
    return {
        "invoice": invoice,
        "finalized_on": format_timestamp(invoice.get("finalized_at")),
        "paid_on": format_timestamp(invoice.get("paid_at")),
        "payer": mask_wallet(invoice.get("payer_wallet")),
        "payable": invoice["status"] in invoices.PAYABLE,
    }


async def unknown():
    return await render_template("invoices/unknown.html"), 404, NO_STORE


@blueprint.route("/invoice/<invoice_id>", methods=["GET", "POST"])
async def invoice_page(invoice_id):
    ctx = context()
    try:
        invoice = await invoices.public_invoice(ctx, invoice_id)
    except InvoiceNotFound:
        return await unknown()
    form = await ContinueForm.from_request()
    error, status, headers = None, 200, dict(NO_STORE)
    if request.method == "POST":
        if not form.validate():
            error, status = (
                {
                    "code": "form_expired",
                    "message": gettext(
                        "This page was open too long or your browser blocked its cookie. "
                        "Nothing was charged. Press Pay again."
                    ),
                },
                400,
            )
        else:
            try:
                session = await invoices.open_payment_session(ctx, invoice_id, client_ip())
            except InvalidInvoiceState:
                invoice = await invoices.public_invoice(ctx, invoice_id)
                error, status = (
                    {
                        "code": "invalid_invoice_state",
                        "message": gettext(
                            "This invoice can no longer be paid. Nothing was charged."
                        ),
                    },
                    409,
                )
            except RateLimited as exc:
                seconds = int(exc.details.get("retry_after") or 60)
                error, status = (
                    {
                        "code": "rate_limited",
                        "message": ngettext(
                            "Too many payment pages were opened from your network. "
                            "Wait %(num)d second and try again. Nothing was charged.",
                            "Too many payment pages were opened from your network. "
                            "Wait %(num)d seconds and try again. Nothing was charged.",
                            seconds,
                        ),
                    },
                    429,
                )
                headers["Retry-After"] = str(seconds)
            else:
                target = url_for("checkout.checkout_page", session_id=session["_id"], **lang())
                return redirect(target, 303), 303, NO_STORE
    return (
        await render_template(
            "invoices/page.html", form=form, error=error, **page_context(invoice)
        ),
        status,
        headers,
    )


def lang() -> dict:
    return {"lang": current_locale()} if request.args.get("lang") else {}


async def pdf_response(template: str, filename: str, **variables) -> Response:
    html = await render_template(template, **variables)
    data = await asyncio.to_thread(render_pdf, html)
    return Response(
        data,
        content_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **NO_STORE},
    )


async def invoice_pdf_response(invoice: dict) -> Response:
    return await pdf_response(
        "invoices/pdf.html",
        f"{invoice['number']}.pdf",
        receipt=False,
        **page_context(invoice),
    )


async def invoice_pdf_bytes(invoice: dict, locale: str) -> bytes:
    """The invoice's PDF in locale, for the mail that sends it (rendered during an API
    request, whose own language does not matter)."""
    g.locale = locale
    try:
        html = await render_template("invoices/pdf.html", receipt=False, **page_context(invoice))
    finally:
        g.locale = DEFAULT_LOCALE
    return await asyncio.to_thread(render_pdf, html)


@blueprint.get("/invoice/<invoice_id>.pdf")
async def invoice_pdf(invoice_id):
    try:
        invoice = await invoices.public_invoice(context(), invoice_id)
    except InvoiceNotFound:
        return await unknown()
    return await invoice_pdf_response(invoice)


@blueprint.get("/invoice/<invoice_id>/receipt.pdf")
async def invoice_receipt_pdf(invoice_id):
    try:
        invoice = await invoices.public_invoice(context(), invoice_id)
    except InvoiceNotFound:
        return await unknown()
    if invoice["status"] != InvoiceStatus.PAID:
        return await unknown()  # no receipt before the payment
    return await pdf_response(
        "invoices/pdf.html",
        f"{invoice['number']}-receipt.pdf",
        receipt=True,
        **page_context(invoice),
    )


@blueprint.get("/checkout/<session_id>/receipt.pdf")
async def checkout_receipt_pdf(session_id):
    """The ordinary checkout receipt page, as a PDF (a completed session only)."""
    session = await payments.durable_session(context(), session_id)
    if session is None or session["status"] != SessionStatus.COMPLETE:
        return await render_template("checkout/unknown.html"), 404, NO_STORE
    return await pdf_response(
        "checkout/receipt_pdf.html",
        f"receipt-{session['_id']}.pdf",
        session=session,
        payer=mask_wallet(session.get("payer_wallet")),
        paid_at=format_timestamp(session.get("paid_at")),
    )
