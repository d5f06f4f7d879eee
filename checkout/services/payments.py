"""Payment sessions and paying them: the money path."""

import logging
import time
from datetime import timedelta

from .. import branding, metrics, money, security, session_options
from ..errors import (
    AccountFrozen,
    AlreadyPaid,
    AmountMismatch,
    CheckoutError,
    CurrencyMismatch,
    DuplicateIdempotencyKey,
    PayeeFrozen,
    SameAccount,
    SameWallet,
    SessionCanceled,
    SessionExpired,
    SessionNotFound,
    StoreUnavailable,
)
from ..session_rules import effective_status, seconds_left
from ..statuses import SessionStatus
from ..storage import sessions as session_store
from ..storage import wallets as wallet_store
from ..stores import STORE_ERRORS
from . import Context, otp, owned_by, pay_batch, utcnow
from .accounts import require_merchant
from .pins import check_pin
from .wallets import owned_wallet_currency

log = logging.getLogger(__name__)


async def create_session(
    ctx: Context,
    account: dict,
    wallet_code,
    amount: int | None,
    *,
    description=None,
    success_url=None,
    cancel_url=None,
    client_reference_id=None,
    metadata=None,
    link_code=None,
    idempotency_key=None,
    expires_at=None,
    customer_email=None,
    line_items=None,
    locale=None,
    invoice_id=None,
) -> dict:
    """A new open session, durable in MongoDB and copied to Redis for the page.

    amount may be None when line_items (priced, see session_options.priced_line_items)
    give it; expires_at (aware UTC) must be 1 minute to 7 days ahead, else SESSION_TTL.
    With an idempotency key, a retry returns the session the first try made, even when
    that try answered an error after its insert (the key is unique on the session record).
    """
    refuse_frozen(account)
    require_merchant(account)
    if idempotency_key is not None:
        done = await session_store.find_session_by_idempotency_key(ctx.db, idempotency_key)
        if done is not None:
            return done
    now = utcnow()
    if expires_at is None:
        expires_at = now + timedelta(seconds=ctx.settings.session_ttl)
    else:
        session_options.check_expiry(expires_at, now)
    currency = await owned_wallet_currency(ctx, account, wallet_code)
    amount = session_options.session_amount(amount, line_items, currency)
    fee = money.service_fee(amount, ctx.settings.service_fee_percent)
    session = {
        "_id": security.new_session_id(),
        "account_id": account["_id"],
        "merchant_name": branding.shopper_name(account),
        "branding": branding.shopper_view(account),
        "payee_wallet": wallet_code,
        "currency": currency,
        "amount": amount,
        "fee": fee,
        "total": amount + fee,
        "description": description,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": client_reference_id,
        "metadata": metadata or {},
        "status": SessionStatus.OPEN,
        "created_at": now,
        "expires_at": expires_at,
        "paid_at": None,
        "payer_wallet": None,
        "link_code": link_code,  # the payment link this session was opened from, if any
        "customer_email": customer_email,
        "line_items": line_items or [],
        "locale": locale,
    }
    if invoice_id is not None:
        session["invoice_id"] = invoice_id  # the invoice it pays (services/invoices.py)
    if idempotency_key is not None:
        session["idempotency_key"] = idempotency_key
    # MongoDB first: it is the truth. Redis only makes the checkout page fast.
    try:
        await session_store.insert_session(ctx.db, session)
    except DuplicateIdempotencyKey:
        done = await session_store.find_session_by_idempotency_key(ctx.db, idempotency_key)
        if done is None:
            raise
        return done
    # The session exists once MongoDB has it: failing the request now would invite a retry
    # that makes a second one. The page reads MongoDB when Redis has no copy.
    try:
        # The copy lives exactly as long as the session can be paid.
        await session_store.cache_session(ctx.redis, session, seconds_left(session, now))
    except STORE_ERRORS:
        log.warning("could not cache new session %s in Redis", session["_id"])
    return session


def refuse_frozen(account: dict) -> None:
    if account.get("frozen"):
        raise AccountFrozen()


async def session_for_owner(ctx: Context, account: dict, session_id) -> dict:
    session = await session_store.find_session(ctx.db, session_id)
    return owned_by(session, account, SessionNotFound)


async def session_for_checkout(ctx: Context, session_id: str) -> dict:
    """The session for the hosted page: from Redis while it lives there, else MongoDB."""
    session = await session_store.get_cached_session(ctx.redis, session_id)
    if session is not None:
        return session
    session = await session_store.find_session(ctx.db, session_id)
    if session is None:
        raise SessionNotFound()
    left = seconds_left(session, utcnow())
    if left > 0:
        await session_store.cache_session(ctx.redis, session, left)
    return session


async def durable_session(ctx: Context, session_id: str) -> dict | None:
    """The durable record, straight from MongoDB (not the Redis copy)."""
    return await session_store.find_session(ctx.db, session_id)


def refuse_unpayable(session: dict, now) -> None:
    status = effective_status(session, now)
    if status == SessionStatus.OPEN and session.get("account_frozen"):
        raise PayeeFrozen()
    if status == SessionStatus.COMPLETE:
        raise AlreadyPaid()
    if status == SessionStatus.EXPIRED:
        raise SessionExpired()
    if status == SessionStatus.CANCELED:
        raise SessionCanceled()


async def pay(
    ctx: Context,
    session_id: str,
    payer_code: str,
    pin: str,
    expected_total=None,
    client_ip: str | None = None,
    code: otp.CodeAnswer | None = None,
    locale: str | None = None,
) -> dict:
    """Pay an open session from the payer's wallet, exactly once (see _pay); counted and
    timed for /metrics by outcome: paid, or the code of the error that refused it."""
    started = time.perf_counter()
    outcome = "error"
    try:
        result = await _pay(
            ctx, session_id, payer_code, pin, expected_total, client_ip, code, locale
        )
        outcome = "paid"
        return result
    except CheckoutError as exc:
        outcome = exc.code
        raise
    except otp.CodeRequired:
        outcome = "requires_otp"  # the code was mailed; nothing moved yet
        raise
    except STORE_ERRORS:
        outcome = StoreUnavailable.code
        raise
    finally:
        metrics.PAYMENTS.labels(outcome).inc()
        metrics.PAY_SECONDS.observe(time.perf_counter() - started)


async def _pay(
    ctx: Context,
    session_id: str,
    payer_code: str,
    pin: str,
    expected_total=None,
    client_ip: str | None = None,
    code: otp.CodeAnswer | None = None,
    locale: str | None = None,
) -> dict:
    """Pay an open session from the payer's wallet, exactly once.

    expected_total, when given, is the total the payer agreed to, in major units as sent
    (the API's totalAmount); it must equal the session's total.
    A total at or above OTP_THRESHOLD also needs the one-time code mailed to the payer:
    without `code` (after the right PIN) this mails one and raises otp.CodeRequired
    (locale: the mail's language). Returns {"session", "payer_balance"}. Nothing moves
    unless every step succeeds.
    """
    now = utcnow()
    session = await session_for_checkout(ctx, session_id)
    refuse_unpayable(session, now)
    if expected_total is not None and (
        money.parse_amount(expected_total, session["currency"], "totalAmount") != session["total"]
    ):
        raise AmountMismatch(
            f"totalAmount must be {money.to_major(session['total'], session['currency'])}"
            f" {session['currency']} (amount plus service fee)."
        )
    payer = await wallet_store.find_wallet(ctx.db, payer_code)
    # An unknown wallet code gets the same answer as a wrong PIN: no way to probe codes.
    await check_pin(ctx, payer_code, payer, pin, client_ip=client_ip)
    assert payer is not None  # check_pin refuses an unknown wallet like a wrong PIN
    refuse_payer(session, payer)
    if otp.required(ctx, session):
        if code is None:
            raise otp.CodeRequired(await otp.send_code(ctx, session, payer, locale))
        await otp.use_code(ctx, session, payer_code, code)
    return await commit_payment(ctx, session_id, payer, now)


async def pay_with_code(ctx: Context, session_id: str, code: otp.CodeAnswer) -> dict:
    """The checkout page's second step: the code alone completes the payment. The
    challenge stands for the right PIN (it is only made after one) and names the payer."""
    now = utcnow()
    session = await session_for_checkout(ctx, session_id)
    refuse_unpayable(session, now)
    payer = await otp.challenged_payer(ctx, session_id, code.challenge_id)
    await otp.use_code(ctx, session, payer["code"], code)
    return await commit_payment(ctx, session_id, payer, now)


def refuse_payer(session: dict, payer: dict) -> None:
    if payer["code"] == session["payee_wallet"]:
        raise SameWallet()
    if str(payer["account_id"]) == str(session["account_id"]):
        # Moving money between one's own wallets is no payment, and it would carry the
        # welcome credit out of the wallet that holds its lock.
        raise SameAccount()
    if payer["currency"] != session["currency"]:
        raise CurrencyMismatch()


async def commit_payment(ctx: Context, session_id: str, payer: dict, now) -> dict:
    # Group commit (services/pay_batch.py): the payment goes in the next batch
    # transaction. Only the payer's debit is guarded and written now; the payee's and the
    # fee wallet's credits are pending credits, settled in batches by the worker, so no
    # payment writes the merchant's wallet document and payments into one merchant do
    # not collide.
    paid = await pay_batch.batcher_for(ctx).pay(
        session_id, {"code": payer["code"], "account_id": payer["account_id"]}, now
    )
    session = {
        **paid.session,
        "status": SessionStatus.COMPLETE,
        "payer_wallet": payer["code"],
        "paid_at": now,
    }
    return {"session": session, "payer_balance": paid.payer_balance}
