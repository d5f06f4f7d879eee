"""JSON shapes of our records, in the original API's camelCase: what the API answers and
what webhook events carry. Pure: amounts become Decimal major units, times ISO 8601."""

from datetime import datetime

from .destinations import mask_destination
from .money import to_major
from .services.email_verification import is_verified as email_verified
from .session_rules import effective_status, seconds_left


def timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def mask_wallet(code: str | None) -> str | None:
    if not code:
        return None
    return f"{code[:5]}••••{code[-4:]}"


def wallet_json(wallet: dict) -> dict:
    return {
        "walletCode": wallet["code"],
        "name": wallet.get("name"),
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "createdAt": timestamp(wallet.get("created_at")),
    }


def profile_json(account: dict, base_url: str) -> dict:
    brand = account.get("branding") or {}
    return {
        "userCode": account["user_code"],
        "kind": account.get("kind", "merchant"),
        "name": account.get("name"),
        "merchant": account.get("organization"),
        "organization": account.get("organization"),
        "email": account["email"],
        "category": account.get("category"),
        "walletCode": account["default_wallet"],
        "displayName": brand.get("display_name"),
        "supportEmail": brand.get("support_email"),
        "supportUrl": brand.get("support_url"),
        "brandColor": brand.get("brand_color"),
        "logoUrl": f"{base_url}/brand/logos/{brand['logo']}" if brand.get("logo") else None,
        "createdAt": timestamp(account.get("created_at")),
        "notifyPayments": bool(account.get("notify_payments")),
        "emailVerified": email_verified(account),
    }


def session_json(session: dict, now: datetime, base_url: str) -> dict:
    currency = session["currency"]
    return {
        "object": "payment_session",
        "transactionTraceId": session["_id"],
        "status": effective_status(session, now),
        "amount": to_major(session["amount"], currency),
        "serviceFee": to_major(session["fee"], currency),
        "totalAmount": to_major(session["total"], currency),
        "currency": currency,
        "session-time": seconds_left(session, now),
        "checkoutUrl": f"{base_url}/checkout/{session['_id']}",
        "walletCode": session["payee_wallet"],
        "description": session.get("description"),
        "successUrl": session.get("success_url"),
        "cancelUrl": session.get("cancel_url"),
        "clientReferenceId": session.get("client_reference_id"),
        "metadata": session.get("metadata") or {},
        "createdAt": timestamp(session["created_at"]),
        "expiresAt": timestamp(session["expires_at"]),
        "paidAt": timestamp(session.get("paid_at")),
        "canceledAt": timestamp(session.get("canceled_at")),
        "payerWallet": mask_wallet(session.get("payer_wallet")),
        "refundedAmount": to_major(session.get("refunded_amount", 0), currency),
        "paymentLinkCode": session.get("link_code"),
        "customerEmail": session.get("customer_email"),
        "lineItems": [line_item_json(item, currency) for item in session.get("line_items") or ()],
        "locale": session.get("locale"),
    }


def line_item_json(item: dict, currency: str) -> dict:
    return {
        "description": item["description"],
        "quantity": item["quantity"],
        "unitAmount": to_major(item["unit_amount"], currency),
        "amount": to_major(item["amount"], currency),
    }


def transaction_json(record: dict) -> dict:
    currency = record["currency"]
    return {
        "id": str(record["_id"]),
        "type": record["type"],
        "direction": record["direction"],
        "amount": to_major(record["amount"], currency),
        "fee": to_major(record.get("fee", 0), currency),
        "currency": currency,
        "walletCode": record["wallet_code"],
        "counterpartyWalletCode": mask_wallet(record.get("counterparty")),
        "transactionTraceId": record.get("session_id"),
        "refundId": record.get("refund_id"),
        "withdrawalId": record.get("withdrawal_id"),
        "description": record.get("description"),
        "createdAt": timestamp(record["created_at"]),
    }


def refund_json(refund: dict) -> dict:
    currency = refund["currency"]
    data = {
        "object": "refund",
        "id": refund["_id"],
        "transactionTraceId": refund["session_id"],
        "status": refund["status"],
        "amount": to_major(refund["amount"], currency),
        "serviceFeeRefunded": to_major(refund["fee_refunded"], currency),
        "currency": currency,
        "reason": refund.get("reason"),
        "walletCode": refund["payee_wallet"],
        "payerWallet": mask_wallet(refund["payer_wallet"]),
        "createdAt": timestamp(refund["created_at"]),
    }
    if "session_refunded_amount" in refund:
        data["refundedAmount"] = to_major(refund["session_refunded_amount"], currency)
    return data


def withdrawal_json(withdrawal: dict) -> dict:
    currency = withdrawal["currency"]
    data = {
        "object": "withdrawal",
        "id": withdrawal["_id"],
        "status": withdrawal["status"],
        "walletCode": withdrawal["wallet_code"],
        "amount": to_major(withdrawal["amount"], currency),
        "fee": to_major(withdrawal["fee"], currency),
        "totalDebited": to_major(withdrawal["amount"] + withdrawal["fee"], currency),
        "currency": currency,
        "createdAt": timestamp(withdrawal["created_at"]),
        "settledAt": timestamp(withdrawal.get("settled_at")),
        "note": withdrawal.get("note"),
        "destination": mask_destination(withdrawal.get("destination")),
    }
    if "wallet_balance" in withdrawal:
        data["balance"] = to_major(withdrawal["wallet_balance"], currency)
    return data


def topup_json(topup: dict) -> dict:
    """A credited top-up as its wallet's owner sees it (the wallet.topped_up event)."""
    currency = topup["currency"]
    return {
        "object": "top_up",
        "id": topup["_id"],
        "walletCode": topup["wallet_code"],
        "amount": to_major(topup["amount"], currency),
        "currency": currency,
        "reference": topup["reference"],
        "createdAt": timestamp(topup.get("credited_at") or topup["created_at"]),
    }


def payment_link_json(link: dict, base_url: str) -> dict:
    currency = link["currency"]
    return {
        "code": link["_id"],
        "url": f"{base_url}/pay/{link['_id']}",
        "active": link["active"],
        "walletCode": link["wallet_code"],
        "amount": None if link.get("amount") is None else to_major(link["amount"], currency),
        "customAmount": custom_amount_json(link.get("custom_amount"), currency),
        "currency": currency,
        "description": link["description"],
        "successUrl": link.get("success_url"),
        "cancelUrl": link.get("cancel_url"),
        "metadata": link.get("metadata") or {},
        "maxPayments": link.get("max_payments"),
        "completedPayments": link.get("completed_payments", 0),
        "createdAt": timestamp(link["created_at"]),
        "deactivatedAt": timestamp(link.get("deactivated_at")),
    }


def custom_amount_json(bounds: dict | None, currency: str) -> dict | None:
    if bounds is None:
        return None
    preset = bounds.get("preset")
    return {
        "minimum": to_major(bounds["minimum"], currency),
        "maximum": to_major(bounds["maximum"], currency),
        "preset": None if preset is None else to_major(preset, currency),
    }


def invoice_json(invoice: dict, base_url: str) -> dict:
    currency = invoice["currency"]
    return {
        "object": "invoice",
        "id": invoice["_id"],
        "number": invoice.get("number"),
        "status": invoice["status"],
        "walletCode": invoice["wallet_code"],
        "customerEmail": invoice["customer_email"],
        "customerName": invoice.get("customer_name"),
        "currency": currency,
        "lineItems": [line_item_json(item, currency) for item in invoice["line_items"]],
        "subtotal": to_major(invoice["subtotal"], currency),
        "serviceFee": to_major(invoice["fee"], currency),
        "total": to_major(invoice["total"], currency),
        "dueDate": invoice.get("due_date"),
        "memo": invoice.get("memo"),
        "metadata": invoice.get("metadata") or {},
        "hostedUrl": f"{base_url}/invoice/{invoice['_id']}",
        "pdfUrl": f"{base_url}/invoice/{invoice['_id']}.pdf",
        "receiptPdfUrl": (
            f"{base_url}/invoice/{invoice['_id']}/receipt.pdf"
            if invoice["status"] == "paid"
            else None
        ),
        "transactionTraceId": invoice.get("session_id"),
        "createdAt": timestamp(invoice["created_at"]),
        "finalizedAt": timestamp(invoice.get("finalized_at")),
        "paidAt": timestamp(invoice.get("paid_at")),
        "voidedAt": timestamp(invoice.get("voided_at")),
        "markedUncollectibleAt": timestamp(invoice.get("marked_uncollectible_at")),
        "overdueAt": timestamp(invoice.get("overdue_at")),
        "sentAt": timestamp(invoice.get("sent_at")),
    }
