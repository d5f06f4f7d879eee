from quart import Blueprint, g

from ... import session_rules
from ...money import parse_amount, to_major
from ...representations import session_json, timestamp, transaction_json
from ...services import lifecycle, otp, payments, transactions, utcnow
from ...session_options import priced_line_items
from .. import client_ip, context
from .auth import account_required, any_account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import (
    NewSession,
    OtpRequired,
    Paid,
    Payment,
    Session,
    SessionQuery,
    Sessions,
    TransactionQuery,
    Transactions,
)

blueprint = Blueprint("txn", __name__, url_prefix="/api/v1/txn")


# One path variable name for the POST and the GET: OpenAPI takes /payment-session/{a} and
# /payment-session/{b} for the same path, so they must name their parameter alike.
@blueprint.post("/payment-session/<ref>")
@account_required
@idempotent
@errors(409, 422)
@answers(Session, 201)
@body(NewSession)
async def create_payment_session(ref, data: NewSession):
    """A payment session paid into the caller's wallet whose walletCode is ref.

    The shopper pays at checkoutUrl."""
    ctx, wallet_code = context(), ref
    currency = ctx.settings.currency
    amount = None if data.amount is None else parse_amount(data.amount, currency)
    session = await payments.create_session(
        ctx,
        g.account,
        wallet_code,
        amount,
        description=data.description,
        success_url=data.successUrl,
        cancel_url=data.cancelUrl,
        client_reference_id=data.clientReferenceId,
        metadata=data.metadata or {},
        idempotency_key=g.idempotency_key,
        expires_at=data.expiresAt,
        customer_email=data.customerEmail,
        line_items=priced_line_items(data.lineItems, currency) if data.lineItems else None,
        locale=data.locale,
    )
    return session_json(session, utcnow(), ctx.settings.public_base_url), 201


@blueprint.get("/payment-session/<ref>")
@account_required
@answers(Session)
async def read_payment_session(ref):
    """The payment session whose transactionTraceId is ref."""
    ctx = context()
    session = await payments.session_for_owner(ctx, g.account, ref)
    return session_json(session, utcnow(), ctx.settings.public_base_url)


@blueprint.get("/payment-sessions")
@account_required
@answers(Sessions)
@query(SessionQuery)
async def list_payment_sessions(query: SessionQuery):
    """The caller's sessions, newest first; page with startingAfter=nextCursor. Filters:
    status, clientReferenceId, createdAfter and createdBefore (ISO 8601, both exclusive)."""
    ctx = context()
    page = await lifecycle.list_sessions(
        ctx,
        g.account,
        status=query.status or None,
        limit=query.limit,
        starting_after=query.startingAfter,
        client_reference_id=query.clientReferenceId,
        created_after=query.createdAfter,
        created_before=query.createdBefore,
    )
    now = utcnow()
    rows = [session_json(s, now, ctx.settings.public_base_url) for s in page["data"]]
    return {
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["transactionTraceId"] if page["has_more"] else None,
    }


@blueprint.post("/payment-session/<session_id>/expire")
@account_required
@errors(409)
@answers(Session)
async def expire_payment_session(session_id):
    """Stripe's name for it; the session becomes "canceled" (the merchant ended it)."""
    ctx = context()
    session = await lifecycle.cancel_session(ctx, g.account, session_id)
    return session_json(session, utcnow(), ctx.settings.public_base_url)


@blueprint.post("/accept-payment/<session_id>")
@errors(401, 402, 409, 410, 422, 423, 429)
@answers(Paid)
@answers(OtpRequired, 202)
@body(Payment)
async def accept_payment(session_id, data: Payment):
    """Pay a session from a wallet with its PIN (no login: the shopper's own wallet).

    A total of at least OTP_THRESHOLD answers 202 requires_otp and moves nothing: a code
    was mailed to the payer. The same call with otp and otpChallengeId then pays (401
    invalid_otp with attemptsLeft for a wrong code, 410 otp_expired once it is used, out
    of tries or 5 minutes old; 429 too_many_otp_codes when asking for codes too often)."""
    code = None if data.otp is None else otp.CodeAnswer(data.otpChallengeId or "", data.otp)
    try:
        result = await payments.pay(
            context(),
            session_id,
            data.fromWalletCode,
            data.pin,
            expected_total=data.totalAmount,
            client_ip=client_ip(),
            code=code,
        )
    except otp.CodeRequired as step:
        return {
            "status": "requires_otp",
            "otpChallengeId": step.challenge.id,
            "sentTo": step.challenge.sent_to,
            "expiresAt": timestamp(step.challenge.expires_at),
        }, 202
    paid = result["session"]
    currency = paid["currency"]
    return {
        "transactionTraceId": paid["_id"],
        "status": paid["status"],
        "amount": to_major(paid["amount"], currency),
        "serviceFee": to_major(paid["fee"], currency),
        "totalAmount": to_major(paid["total"], currency),
        "currency": currency,
        "fromWalletCode": data.fromWalletCode,
        "toWalletCode": paid["payee_wallet"],
        "balance": to_major(result["payer_balance"], currency),
        "paidAt": timestamp(paid["paid_at"]),
        "redirectUrl": session_rules.success_redirect(paid),
    }


async def _transactions(limit: int, starting_after: str | None) -> dict:
    page = await transactions.list_transactions(context(), g.account, limit, starting_after)
    rows = [transaction_json(r) for r in page["data"]]
    return {
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["id"] if page["has_more"] else None,
    }


@blueprint.get("/transaction")
@any_account_required
@answers(Transactions)
@query(TransactionQuery)
async def list_transactions(query: TransactionQuery):
    """The caller's ledger lines, newest first; page with startingAfter=nextCursor."""
    return await _transactions(query.limit, query.startingAfter)


@blueprint.post("/transaction")
@any_account_required
@answers(Transactions)
@body(TransactionQuery, optional=True)
async def list_transactions_by_post(data: TransactionQuery):
    """The same list; the original API used POST with the parameters in the body."""
    return await _transactions(data.limit, data.startingAfter)
