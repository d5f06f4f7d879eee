"""The mails that money movements send, queued in the movement's own transaction (through
its unit of work): a mail exists if and only if the money moved.

- a receipt to the payer's account, and to the session's customerEmail when set;
- the merchant's "payment received" notice, when its profile asks for it (notifyPayments);
- a refund notice to the account whose wallet got the money back;
- withdrawal notices to the withdrawing account: requested, then paid or failed.
Payer mails are in the session's checkout language (its locale), others in English, the
language of the dashboard.
"""

from datetime import datetime

from ..representations import mask_wallet
from ..storage import accounts as account_store
from . import Context
from .mail import mail_document, queue_many


def receipt_context(session: dict, payer_code: str, paid_at: datetime) -> dict:
    return {
        "merchant": session["merchant_name"],
        "amount": session["amount"],
        "fee": session["fee"],
        "total": session["total"],
        "currency": session["currency"],
        "wallet": mask_wallet(payer_code),
        "reference": session["_id"],
        "order_reference": session.get("client_reference_id"),
        "description": session.get("description"),
        "paid_at": paid_at,
    }


async def payments_made(ctx: Context, uow, paid: list[tuple[dict, dict, datetime]]) -> None:
    """The mails of a transaction's payments: (session, payer wallet, paid at) each. One
    read of the accounts concerned and one insert for the whole batch."""
    if not paid:
        return
    accounts = await account_store.find_accounts(
        ctx.db,
        {payer["account_id"] for _, payer, _ in paid} | {s["account_id"] for s, _, _ in paid},
        uow.session,
    )
    documents = []
    for session, payer, paid_at in paid:
        context = receipt_context(session, payer["code"], paid_at)
        payer_account = accounts.get(payer["account_id"])
        recipients = [payer_account["email"]] if payer_account else []
        if session.get("customer_email") and session["customer_email"] not in recipients:
            recipients.append(session["customer_email"])
        documents += [
            mail_document(to, "receipt", session.get("locale"), context) for to in recipients
        ]
        merchant = accounts.get(session["account_id"])
        if merchant is not None and merchant.get("notify_payments"):
            documents.append(
                mail_document(
                    merchant["email"],
                    "payment_received",
                    None,
                    {**context, "wallet": session["payee_wallet"]},
                )
            )
    await queue_many(ctx, documents, uow.session)


async def refund_made(ctx: Context, uow, session: dict, refund: dict, payer_account_id) -> None:
    accounts = await account_store.find_accounts(ctx.db, [payer_account_id], uow.session)
    payer_account = accounts.get(payer_account_id)
    if payer_account is None:
        return
    context = {
        "merchant": session["merchant_name"],
        "amount": refund["amount"] + refund.get("fee_refunded", 0),
        "currency": refund["currency"],
        "wallet": mask_wallet(refund["payer_wallet"]),
        "reference": session["_id"],
        "refund_id": refund["_id"],
        "reason": refund.get("reason"),
        "refunded_at": refund["created_at"],
    }
    await queue_many(
        ctx,
        [mail_document(payer_account["email"], "refund", session.get("locale"), context)],
        uow.session,
    )


async def withdrawal_changed(ctx: Context, uow, withdrawal: dict) -> None:
    """The withdrawal as this transaction left it: pending (requested), paid or failed."""
    accounts = await account_store.find_accounts(ctx.db, [withdrawal["account_id"]], uow.session)
    account = accounts.get(withdrawal["account_id"])
    if account is None:
        return
    context = {
        "status": str(withdrawal["status"]),
        "amount": withdrawal["amount"],
        "fee": withdrawal["fee"],
        "currency": withdrawal["currency"],
        "wallet": withdrawal["wallet_code"],
        "withdrawal_id": withdrawal["_id"],
        "note": withdrawal.get("note"),
        "at": withdrawal.get("settled_at") or withdrawal["created_at"],
    }
    await queue_many(
        ctx, [mail_document(account["email"], "withdrawal", None, context)], uow.session
    )
