"""The dashboard's Invoices pages: list (with a status filter), create with line items,
and an invoice's page with finalize, send, void and its PDF. Its own blueprint under
/dashboard/invoices, signed in like every dashboard page."""

from quart import Blueprint, flash, g, redirect, render_template, request, url_for
from wtforms import SelectChoice

from ...errors import CheckoutError
from ...i18n import gettext
from ...money import format_amount
from ...representations import mask_wallet
from ...services import invoices
from ...services import wallets as wallet_service
from .. import context
from .dashboard import signed_in, when
from .dashboard_format import local_money, local_time
from .dashboard_forms import ConfirmForm
from .dashboard_invoice_forms import InvoiceFilterForm, InvoiceForm
from .dashboard_links import wallet_label
from .invoices import invoice_pdf_bytes
from .page_errors import page_message

blueprint = Blueprint("dashboard_invoices", __name__, url_prefix="/dashboard/invoices")
PAGE_SIZE = 25


async def page(template: str, status: int = 200, **values):
    body = await render_template(
        f"dashboard_invoices/{template}",
        account=g.account,
        logout_form=ConfirmForm(),
        money=format_amount,
        when=when,
        local_money=local_money,
        local_time=local_time,
        mask=mask_wallet,
        section="dashboard_invoices.invoice_list",
        **values,
    )
    return body, status


@blueprint.get("")
@signed_in
async def invoice_list():
    filters = InvoiceFilterForm(formdata=request.args)
    status = (filters.status.data or None) if filters.validate() else None
    after = request.args.get("after") or None
    try:
        found = await invoices.list_invoices(context(), g.account, status, PAGE_SIZE, after)
    except CheckoutError:  # a stale cursor: start from the newest
        found = await invoices.list_invoices(context(), g.account, status, PAGE_SIZE)
    return await page("list.html", filters=filters, rows=found["data"], has_more=found["has_more"])


@blueprint.route("/new", methods=["GET", "POST"])
@signed_in
async def new_invoice():
    ctx = context()
    owned = await wallet_service.list_wallets(ctx, g.account)
    form = await InvoiceForm.from_request(currency=ctx.settings.currency)
    form.wallet.choices = [SelectChoice(w["code"], wallet_label(w)) for w in owned]
    if request.method == "GET":
        form.wallet.data = g.account["default_wallet"]
        return await page("new.html", form=form, error=None, currency=ctx.settings.currency)
    posted = await request.form
    if "add_line" in posted:  # one more row, nothing saved yet
        if len(form.lines.entries) < form.lines.max_entries:
            form.lines.append_entry()
        return await page("new.html", form=form, error=None, currency=ctx.settings.currency)
    status, error = 400, None
    if form.validate():
        try:
            invoice = await invoices.create_invoice(
                ctx,
                g.account,
                form.wallet.data,
                customer_email=form.customer_email.data,
                customer_name=form.customer_name.data or None,
                line_items=form.line_items,
                due_date=form.due_date.data,
                memo=form.memo.data or None,
            )
            if posted.get("then") == "finalize":
                invoice = await invoices.finalize(ctx, g.account, invoice["_id"])
        except CheckoutError as exc:
            error, status = page_message(exc), exc.status
        else:
            await flash(
                gettext("Invoice finalized.") if invoice["number"] else gettext("Draft saved.")
            )
            return redirect(url_for(".invoice_detail", invoice_id=invoice["_id"]), 303)
    return await page("new.html", status, form=form, error=error, currency=ctx.settings.currency)


async def detail(invoice_id: str, status: int = 200, error: str | None = None):
    invoice = await invoices.invoice_for_owner(context(), g.account, invoice_id)
    base = context().settings.public_base_url
    return await page(
        "detail.html",
        status,
        invoice=invoice,
        hosted_url=f"{base}/invoice/{invoice['_id']}",
        action_form=ConfirmForm(),
        error=error,
    )


@blueprint.get("/<invoice_id>")
@signed_in
async def invoice_detail(invoice_id):
    return await detail(invoice_id)


async def act(invoice_id: str, action, done: str):
    form = await ConfirmForm.from_request()
    if not form.validate():
        return await detail(
            invoice_id, 400, gettext("This form has expired. Please submit it again.")
        )
    try:
        await action()
    except CheckoutError as exc:
        return await detail(invoice_id, exc.status, page_message(exc))
    await flash(done)
    return redirect(url_for(".invoice_detail", invoice_id=invoice_id), 303)


@blueprint.post("/<invoice_id>/finalize")
@signed_in
async def finalize(invoice_id):
    return await act(
        invoice_id,
        lambda: invoices.finalize(context(), g.account, invoice_id),
        gettext("Invoice finalized."),
    )


@blueprint.post("/<invoice_id>/void")
@signed_in
async def void(invoice_id):
    return await act(
        invoice_id,
        lambda: invoices.void(context(), g.account, invoice_id),
        gettext("Invoice voided."),
    )


@blueprint.post("/<invoice_id>/send")
@signed_in
async def send(invoice_id):
    async def send_it():
        ctx = context()
        invoice = await invoices.invoice_to_send(ctx, g.account, invoice_id)
        pdf = await invoice_pdf_bytes(invoice, "en")
        await invoices.send_invoice(ctx, invoice, pdf, "en")

    return await act(invoice_id, send_it, gettext("Invoice sent to the customer by email."))
