"""The hosted checkout page: shows a session and takes a wallet payment, without JavaScript.

Every state is its own page with its own status: open 200, a refused payment with the
error's status (400 form, 401 wrong PIN, 402 insufficient funds, 423 locked wallet, 429 too
many wrong PINs from the shopper's address), complete 200 (the receipt; 409 when a payment
is posted to it again), expired and canceled 410, unknown 404. All text goes through the
gettext catalogs (checkout/i18n.py).
"""

import math
from typing import Any
from urllib.parse import urlsplit

from quart import Blueprint, g, redirect, render_template, request, url_for

from ... import session_rules
from ...errors import CheckoutError, PaymentLinkLimitReached, SessionNotFound
from ...i18n import (
    current_locale,
    explicit_locale,
    format_timestamp,
    gettext,
    ngettext,
    preselect_locale,
)
from ...representations import mask_wallet
from ...services import payments, utcnow
from ...statuses import SessionStatus
from .. import client_ip, context
from .forms import PayForm
from .shoppers import take_new_wallet

blueprint = Blueprint("checkout", __name__)

STATE_STATUS: dict[str, int] = {
    SessionStatus.OPEN: 200,
    SessionStatus.COMPLETE: 200,
    SessionStatus.EXPIRED: 410,
    SessionStatus.CANCELED: 410,
}
# Announced (politely) by the countdown script when that many seconds are left.
ANNOUNCE_AT = (300, 60, 0)


@blueprint.app_context_processor
async def platform_context() -> dict:
    """Who processes the payment, for the shopper's pages' footer: PLATFORM_NAME and this
    server's host as PUBLIC_BASE_URL names it (never the request's Host header, which the
    client chooses)."""
    settings = context().settings
    return {
        "platform_name": settings.platform_name,
        "platform_host": urlsplit(settings.public_base_url).netloc,
    }


@blueprint.route("/checkout/<session_id>", methods=["GET", "POST"])
async def checkout_page(session_id):
    ctx = context()
    try:
        session = await payments.session_for_checkout(ctx, session_id)
    except SessionNotFound:
        return await render_template("checkout/unknown.html"), 404
    preselect_locale(session.get("locale"))
    now = utcnow()
    state = session_rules.effective_status(session, now)
    if state != SessionStatus.OPEN:
        return await render_state(session, state, resubmitted=request.method == "POST")
    form = await PayForm.from_request()
    # A wallet the shopper just opened from this page ("Don't have a wallet?"): filled in.
    new_wallet = take_new_wallet(session_id) if request.method == "GET" else None
    if new_wallet:
        form.wallet_code.data = new_wallet

    allow_redirect_to(session)
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            error, status = form_error(form), 400
        else:
            try:
                result = await payments.pay(
                    ctx, session_id, form.wallet_code.data, form.pin.data, client_ip=client_ip()
                )
            except PaymentLinkLimitReached:
                # The link took its last payment while this page was open: say so, with no
                # form left to submit (this session can never be paid now).
                return await render_template("checkout/sold_out.html", session=session), 422
            except CheckoutError as exc:
                if exc.status in (409, 410):  # paid, canceled or gone meanwhile: show that
                    # From MongoDB, the truth: a cached copy may still say "open".
                    fresh = await payments.durable_session(ctx, session_id) or session
                    fresh_state = session_rules.effective_status(fresh, utcnow())
                    if fresh_state != SessionStatus.OPEN:
                        return await render_state(fresh, fresh_state, resubmitted=True)
                error, status = payment_error(exc), exc.status
                if "retry_after" in exc.details:
                    headers["Retry-After"] = str(exc.details["retry_after"])
            else:
                target = session_rules.success_redirect(result["session"])
                return redirect(target or own_url(session_id), 303)
        form.pin.data = ""
    seconds_left = session_rules.seconds_left(session, now)
    return (
        await render_template(
            "checkout/pay.html",
            session=session,
            form=form,
            error=error,
            new_wallet=new_wallet,
            seconds_left=seconds_left,
            time_left=clock(seconds_left),
            announcements={
                300: gettext("5 minutes left to pay."),
                60: gettext("1 minute left to pay."),
                0: gettext("Time is up: this payment page has expired."),
            },
        ),
        status,
        headers,
    )


async def render_state(session: dict, state: str, resubmitted: bool = False):
    status = STATE_STATUS[state]
    if state == SessionStatus.COMPLETE:
        if resubmitted:
            status = 409  # a second payment was refused; nothing moved
        return await render_template(
            "checkout/complete.html",
            session=session,
            resubmitted=resubmitted,
            payer=mask_wallet(session.get("payer_wallet")),
            paid_at=format_timestamp(session.get("paid_at")),
            # What went back to the paying wallet: the refunds, with the service fee's share
            # when REFUND_SERVICE_FEE gives it back too.
            refunded=session.get("refunded_amount", 0) + session.get("refunded_fee", 0),
            refunded_in_full=session.get("refunded_amount", 0) >= session["amount"],
        ), status
    restart = None
    if state == SessionStatus.EXPIRED and session.get("link_code"):
        # A link session is not a dead end: the link opens a new one.
        restart = url_for("links.pay_link", code=session["link_code"], **language_arg(session))
    return await render_template(
        "checkout/closed.html", session=session, state=state, restart_url=restart
    ), status


def language_arg(session: dict) -> dict:
    """Keeps the page's language on the next page when it was chosen rather than negotiated:
    by the shopper (?lang=) or by the merchant (the session's locale)."""
    if explicit_locale() or session.get("locale") in ("en", "fr", "ar"):
        return {"lang": current_locale()}
    return {}


def own_url(session_id: str) -> str:
    args: dict[str, Any] = {"lang": current_locale()} if request.args.get("lang") else {}
    return url_for("checkout.checkout_page", session_id=session_id, **args)


def clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def form_error(form: PayForm) -> dict:
    if form.csrf_token.errors:
        return {
            "code": "form_expired",
            "message": gettext(
                "This page was open too long or your browser blocked its cookie. "
                "Nothing was charged. Enter your details and try again."
            ),
        }
    return {
        "code": "invalid_form",
        "message": gettext("Check the highlighted fields. Nothing was charged."),
    }


def payment_error(exc: CheckoutError) -> dict:
    """The shopper's version of a refused payment, in their language."""
    code = exc.code
    if code == "invalid_pin":
        left = exc.details.get("attempts_left")
        if left == 0:
            message = gettext(
                "The wallet code or PIN is incorrect. That was the last attempt: "
                "this wallet is now locked for 15 minutes."
            )
        elif left:
            message = ngettext(
                "The wallet code or PIN is incorrect. %(num)d attempt left.",
                "The wallet code or PIN is incorrect. %(num)d attempts left.",
                left,
            )
        else:
            message = gettext("The wallet code or PIN is incorrect.")
    elif code == "wallet_locked":
        minutes = max(1, math.ceil(int(exc.details.get("retry_after") or 900) / 60))
        message = ngettext(
            "This wallet is locked after too many wrong PINs. Try again in %(num)d minute.",
            "This wallet is locked after too many wrong PINs. Try again in %(num)d minutes.",
            minutes,
        )
    elif code == "too_many_pin_failures":
        minutes = max(1, math.ceil(int(exc.details.get("retry_after") or 900) / 60))
        message = ngettext(
            "Too many wrong PINs from your network. Try again in %(num)d minute.",
            "Too many wrong PINs from your network. Try again in %(num)d minutes.",
            minutes,
        )
    elif code == "insufficient_funds":
        message = gettext("Your wallet balance is too low for this payment.")
    elif code == "same_wallet":
        message = gettext("This wallet receives this payment, so it cannot pay it.")
    elif code == "same_account":
        message = gettext(
            "This payment goes to your own account: pay it from a wallet "
            "that belongs to someone else."
        )
    elif code == "currency_mismatch":
        message = gettext("This wallet holds a different currency from this payment.")
    else:
        message = gettext("We could not take this payment.")
    return {"code": code, "message": message + " " + gettext("Nothing was charged.")}


def allow_redirect_to(session: dict) -> None:
    """CSP form-action also covers the redirect after the form posts, so the merchant's
    success origin must be allowed on this page. Built from the parsed host and port, never
    copied raw into the header."""
    url = session.get("success_url")
    if url:
        parts = urlsplit(url)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        port = f":{parts.port}" if parts.port else ""
        g.form_action_origins = [f"{parts.scheme}://{host}{port}"]
