"""The payment path's one step for invoices: a session opened from an invoice marks it paid
in the payment's own transaction, so an invoice is paid exactly once however many of its
sessions are paid at the same moment, and a void invoice is never paid."""

from ..errors import InvalidInvoiceState
from ..statuses import InvoiceStatus
from ..storage import invoices as invoice_store
from .events import event_data, event_document


async def mark_invoice_paid(ctx, session: dict, payer_code: str, now, db_session) -> dict:
    """Inside the payment's transaction; returns the invoice.paid outbox event to record,
    or raises InvalidInvoiceState (the payment is refused, nothing moves)."""
    paid = await invoice_store.change_invoice(
        ctx.db,
        session["invoice_id"],
        (InvoiceStatus.OPEN, InvoiceStatus.UNCOLLECTIBLE),
        {
            "status": InvoiceStatus.PAID,
            "paid_at": now,
            "session_id": session["_id"],
            "payer_wallet": payer_code,
        },
        db_session,
    )
    if paid is None:
        raise InvalidInvoiceState("This invoice can no longer be paid.")
    return event_document(
        paid["account_id"],
        "invoice.paid",
        event_data("invoice.paid", paid, ctx.settings.public_base_url),
        subject=paid["_id"],
    )
