"""Invoices: a bill a merchant sends, paid later through a checkout session.

draft --finalize--> open --(a payment)--> paid
                    open --mark-uncollectible--> uncollectible --(a payment)--> paid
       open, uncollectible --void--> void
A draft can be edited; finalizing gives it the merchant's next number (INV-000001) in the
same transaction as the status change, so numbers are gap-free and unique. Paying marks
the invoice paid in the payment's own transaction (services/invoice_payments.py).
"""

from datetime import UTC, date, datetime, time, timedelta

from .. import money, security
from ..errors import InvalidAmount, InvalidInvoiceState, InvalidRequest, InvoiceNotFound
from ..session_options import priced_line_items
from ..statuses import InvoiceStatus
from ..storage import accounts as account_store
from ..storage import invoices as invoice_store
from . import Context, limits, mail, owned_by, unit_of_work, utcnow
from .payments import create_session
from .wallets import owned_wallet

MAX_PAGE = 100
STATUSES = tuple(InvoiceStatus)
PAYABLE = (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE)
OVERDUE_BATCH = 50


def new_invoice_id() -> str:
    # The id is the hosted page's only key: as hard to guess as a session id.
    return security.random_code("inv_", 20)


def invoice_number(sequence: int) -> str:
    return f"INV-{sequence:06d}"


def due_at(due_date: date | None) -> datetime | None:
    """An invoice is due through its due date (UTC): overdue from the next midnight."""
    if due_date is None:
        return None
    return datetime.combine(due_date + timedelta(days=1), time(), tzinfo=UTC)


def priced(line_items: list[dict], currency: str, fee_percent) -> dict:
    """The line items in minor units with the subtotal, service fee and total: the fee
    is the one a checkout session for the subtotal charges (money.service_fee)."""
    lines = priced_line_items(line_items, currency)
    subtotal = sum(line["amount"] for line in lines)
    if subtotal > money.MAX_AMOUNT_MINOR:
        raise InvalidAmount("The lineItems add up to too large an amount", field="lineItems")
    fee = money.service_fee(subtotal, fee_percent)
    return {"line_items": lines, "subtotal": subtotal, "fee": fee, "total": subtotal + fee}


async def create_invoice(
    ctx: Context,
    account: dict,
    wallet_code,
    *,
    customer_email: str,
    line_items: list[dict],
    customer_name: str | None = None,
    due_date: date | None = None,
    memo: str | None = None,
    metadata: dict | None = None,
) -> dict:
    wallet = await owned_wallet(ctx, account, wallet_code)
    now = utcnow()
    invoice = {
        "_id": new_invoice_id(),
        "account_id": account["_id"],
        "merchant_name": account["organization"],
        "wallet_code": wallet["code"],
        "currency": wallet["currency"],
        "customer_email": customer_email,
        "customer_name": customer_name,
        **priced(line_items, wallet["currency"], ctx.settings.service_fee_percent),
        "due_date": due_date.isoformat() if due_date else None,
        "due_at": due_at(due_date),
        "memo": memo,
        "metadata": metadata or {},
        "status": InvoiceStatus.DRAFT,
        "number": None,
        "created_at": now,
        "finalized_at": None,
        "paid_at": None,
        "voided_at": None,
        "marked_uncollectible_at": None,
        "overdue_at": None,
        "sent_at": None,
        "session_id": None,  # the checkout session that paid it
        "payer_wallet": None,
    }
    await invoice_store.insert_invoice(ctx.db, invoice)
    return invoice


async def list_invoices(
    ctx: Context,
    account: dict,
    status: str | None = None,
    limit: int = 20,
    starting_after: str | None = None,
) -> dict:
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
    after = None
    if starting_after is not None:
        after = await invoice_store.find_invoice(ctx.db, starting_after)
        if after is None or after["account_id"] != account["_id"]:
            raise InvalidRequest("startingAfter is not one of your invoices", field="startingAfter")
    rows = await invoice_store.list_invoices(ctx.db, account["_id"], status, limit + 1, after)
    return {"data": rows[:limit], "has_more": len(rows) > limit}


async def invoice_for_owner(ctx: Context, account: dict, invoice_id) -> dict:
    invoice = await invoice_store.find_invoice(ctx.db, invoice_id)
    return owned_by(invoice, account, InvoiceNotFound)


async def public_invoice(ctx: Context, invoice_id) -> dict:
    """For the hosted page and its PDFs (the id is the key); drafts are not shown yet."""
    invoice = await invoice_store.find_invoice(ctx.db, invoice_id)
    if invoice is None or invoice["status"] == InvoiceStatus.DRAFT:
        raise InvoiceNotFound()
    return invoice


def refuse(invoice: dict, action: str) -> InvalidInvoiceState:
    return InvalidInvoiceState(
        f"A {invoice['status']} invoice cannot be {action}.", status=invoice["status"]
    )


async def change_draft(
    ctx: Context,
    account: dict,
    invoice_id,
    *,
    changes: dict,
    line_items: list[dict] | None = None,
    due_date: date | None = None,
) -> dict:
    """changes: the stored fields to set (customer_email, customer_name, memo, metadata)."""
    invoice = await invoice_for_owner(ctx, account, invoice_id)
    if invoice["status"] != InvoiceStatus.DRAFT:
        raise refuse(invoice, "edited")
    changes = dict(changes)
    if line_items is not None:
        changes.update(priced(line_items, invoice["currency"], ctx.settings.service_fee_percent))
    if due_date is not None:
        changes.update(due_date=due_date.isoformat(), due_at=due_at(due_date))
    if not changes:
        raise InvalidRequest("Send at least one field to change")
    changed = await invoice_store.change_invoice(
        ctx.db, invoice["_id"], (InvoiceStatus.DRAFT,), changes
    )
    if changed is None:  # finalized meanwhile
        raise refuse(await invoice_for_owner(ctx, account, invoice_id), "edited")
    return changed


async def finalize(ctx: Context, account: dict, invoice_id) -> dict:
    invoice = await invoice_for_owner(ctx, account, invoice_id)
    if invoice["status"] != InvoiceStatus.DRAFT:
        raise refuse(invoice, "finalized")
    await invoice_store.ensure_counter(ctx.db, account["_id"])

    async def work(uow):
        db, s = ctx.db, uow.session
        current = await invoice_store.find_invoice(db, invoice["_id"], s)
        if current is None or current["status"] != InvoiceStatus.DRAFT:
            raise refuse(current or invoice, "finalized")
        sequence = await invoice_store.take_next_number(db, account["_id"], s)
        changed = await invoice_store.change_invoice(
            db,
            invoice["_id"],
            (InvoiceStatus.DRAFT,),
            {
                "status": InvoiceStatus.OPEN,
                "number": invoice_number(sequence),
                "finalized_at": utcnow(),
            },
            s,
        )
        if changed is None:  # raising aborts the transaction: the number is not used up
            raise refuse(await invoice_for_owner(ctx, account, invoice_id), "finalized")
        await uow.record_event(account["_id"], "invoice.finalized", changed, subject=changed["_id"])
        return changed

    finalized: dict = await unit_of_work.run(ctx, work)
    return finalized


async def _transition(
    ctx: Context,
    account: dict,
    invoice_id,
    from_statuses: tuple[str, ...],
    changes: dict,
    action: str,
    event_type: str | None,
) -> dict:
    invoice = await invoice_for_owner(ctx, account, invoice_id)
    if invoice["status"] not in from_statuses:
        raise refuse(invoice, action)

    async def work(uow):
        changed = await invoice_store.change_invoice(
            ctx.db, invoice["_id"], from_statuses, changes, uow.session
        )
        if changed is not None and event_type is not None:
            await uow.record_event(account["_id"], event_type, changed, subject=changed["_id"])
        return changed

    changed = await unit_of_work.run(ctx, work)
    if changed is None:  # paid or changed meanwhile
        raise refuse(await invoice_for_owner(ctx, account, invoice_id), action)
    return changed


async def void(ctx: Context, account: dict, invoice_id) -> dict:
    return await _transition(
        ctx,
        account,
        invoice_id,
        PAYABLE,
        {"status": InvoiceStatus.VOID, "voided_at": utcnow()},
        "voided",
        "invoice.voided",
    )


async def mark_uncollectible(ctx: Context, account: dict, invoice_id) -> dict:
    return await _transition(
        ctx,
        account,
        invoice_id,
        (InvoiceStatus.OPEN,),
        {"status": InvoiceStatus.UNCOLLECTIBLE, "marked_uncollectible_at": utcnow()},
        "marked uncollectible",
        None,
    )


async def invoice_to_send(ctx: Context, account: dict, invoice_id) -> dict:
    """The caller's invoice, if it can be sent: finalized and still payable."""
    invoice = await invoice_for_owner(ctx, account, invoice_id)
    if invoice["status"] not in PAYABLE:
        raise refuse(invoice, "sent")
    return invoice


async def send_invoice(ctx: Context, invoice: dict, pdf: bytes, locale: str) -> dict:
    """Email the customer a link to the hosted invoice with its PDF attached: queued in
    the mail outbox in the transaction that records sent_at, so the worker sends it once
    even if this request is retried after a crash."""
    url = f"{ctx.settings.public_base_url}/invoice/{invoice['_id']}"

    async def work(uow):
        changed = await invoice_store.change_invoice(
            ctx.db, invoice["_id"], PAYABLE, {"sent_at": utcnow()}, uow.session
        )
        if changed is None:  # paid or voided meanwhile
            raise refuse(
                await invoice_store.find_invoice(ctx.db, invoice["_id"]) or invoice, "sent"
            )
        await mail.queue_mail(
            ctx,
            to=invoice["customer_email"],
            template="invoice",
            locale=locale,
            context={
                "merchant": invoice["merchant_name"],
                "number": invoice["number"],
                "total": invoice["total"],
                "currency": invoice["currency"],
                "due_date": invoice.get("due_date"),
                "url": url,
            },
            session=uow.session,
            attachments=[(f"{invoice['number']}.pdf", "application/pdf", pdf)],
        )
        return changed

    sent: dict = await unit_of_work.run(ctx, work)
    return sent


async def open_payment_session(ctx: Context, invoice_id, client_ip: str | None) -> dict:
    """A checkout session for the invoice's total, for the customer who pressed Pay.
    Limited per address like a payment link's Continue. Only one of an invoice's sessions
    can ever be paid: the payment marks the invoice paid in its own transaction."""
    invoice = await public_invoice(ctx, invoice_id)
    if invoice["status"] not in PAYABLE:
        raise refuse(invoice, "paid")
    account = await account_store.find_account(ctx.db, str(invoice["account_id"]))
    if account is None:
        raise InvoiceNotFound()
    await limits.count_link_session(ctx, client_ip)
    return await create_session(
        ctx,
        account,
        invoice["wallet_code"],
        invoice["subtotal"],
        description=f"Invoice {invoice['number']}",
        customer_email=invoice["customer_email"],
        line_items=invoice["line_items"],
        metadata={"invoiceId": invoice["_id"], "invoiceNumber": invoice["number"]},
        # Back to the invoice, which then says it is paid and offers the receipt.
        success_url=f"{ctx.settings.public_base_url}/invoice/{invoice['_id']}",
        cancel_url=f"{ctx.settings.public_base_url}/invoice/{invoice['_id']}",
        invoice_id=invoice["_id"],
    )


async def notice_overdue(ctx: Context) -> int:
    """The worker's sweep: one invoice.overdue event per open invoice past its due date."""
    now = utcnow()
    noticed = 0
    for invoice in await invoice_store.find_overdue(ctx.db, now, OVERDUE_BATCH):

        async def work(uow, invoice=invoice):
            changed = await invoice_store.change_invoice(
                ctx.db, invoice["_id"], (InvoiceStatus.OPEN,), {"overdue_at": now}, uow.session
            )
            if changed is not None:
                await uow.record_event(
                    changed["account_id"], "invoice.overdue", changed, subject=changed["_id"]
                )
            return changed

        if await unit_of_work.run(ctx, work) is not None:
            noticed += 1
    return noticed
