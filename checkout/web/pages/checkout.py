"""The hosted checkout page: shows a session and takes a wallet payment, without JavaScript.

Every state is its own page with its own status: open 200, a refused payment with the
error's status (400 form, 401 wrong PIN, 402 insufficient funds, 423 locked wallet, 429 too
many wrong PINs from the shopper's address), complete 200 (the receipt; 409 when a payment
is posted to it again), expired and canceled 410, unknown 404. A total of at least
OTP_THRESHOLD has a second step after the right PIN: the code mailed to the payer (wrong
code 401, a used or dead code 410 back to the PIN, a new code asked for too soon 429).
All text goes through the gettext catalogs (checkout/i18n.py).
"""

import math
from typing import Any
from urllib.parse import urlsplit

from quart import Blueprint, g, redirect, render_template, request, url_for
from quart import session as browser_session

from ... import session_rules
from ...errors import CheckoutError, OtpExpired, PaymentLinkLimitReached, SessionNotFound
from ...i18n import (
    current_locale,
    explicit_locale,
    format_timestamp,
    gettext,
    ngettext,
    preselect_locale,
)
from ...representations import mask_wallet
from ...services import otp, payments, utcnow
from ...statuses import SessionStatus
from .. import client_ip, context
from .forms import CodeForm, ContinueForm, PayForm
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
    if session.get("account_frozen"):
        # The operator froze this merchant: no form, and a post moves nothing.
        page = await render_template("checkout/closed.html", session=session, state="frozen")
        return page, 409 if request.method == "POST" else 200
    allow_redirect_to(session)
    step = (await request.form).get("step", "pin") if request.method == "POST" else None
    if step in CODE_STEPS:
        return await code_step(ctx, session, step)
    if step is None:
        challenge = await remembered_challenge(ctx, session_id)
        if challenge is not None and challenge["state"] == "open" and challenge["current"]:
            return await pay_page(
                session, code_form=await CodeForm.from_request(), challenge=challenge
            )
    form = await PayForm.from_request()
    if request.method == "GET":
        # A wallet the shopper just opened from this page ("Don't have a wallet?"): filled in.
        new_wallet = take_new_wallet(session_id)
        if new_wallet:
            form.wallet_code.data = new_wallet
        return await pay_page(session, form, new_wallet=new_wallet)
    if not form.validate():
        return await pay_page(session, form, error=form_error(form), status=400)
    try:
        result = await payments.pay(
            ctx,
            session_id,
            form.wallet_code.data,
            form.pin.data,
            client_ip=client_ip(),
            locale=current_locale(),
        )
    except otp.CodeRequired as step_up:
        # Post/redirect/get: reloading the code step must not mail another code.
        remember_challenge(session_id, step_up.challenge.id)
        return redirect(own_url(session_id), 303)
    except CheckoutError as exc:
        return await refused(ctx, session, exc, form)
    return redirect(session_rules.success_redirect(result["session"]) or own_url(session_id), 303)


async def code_step(ctx, session: dict, step: str):
    """The second step of a large payment: the code from the email (step "code"), a new
    code ("resend") or back to the PIN with another wallet ("restart"). The browser's
    signed session cookie names the challenge; the challenge stands for the right PIN."""
    session_id = session["_id"]
    challenge_id = remembered_challenge_id(session_id)
    if challenge_id is None or step == "restart":
        form = await ContinueForm.from_request()
        if form.validate():
            remember_challenge(session_id, None)
        return redirect(own_url(session_id), 303)
    if step == "resend":
        form = await ContinueForm.from_request()
        if not form.validate():
            return await code_page(ctx, session, challenge_id, form_error(form), 400)
        try:
            challenge = await otp.resend_code(ctx, session, challenge_id, current_locale())
        except CheckoutError as exc:
            return await refused(ctx, session, exc)
        remember_challenge(session_id, challenge.id)
        return redirect(own_url(session_id), 303)
    code_form = await CodeForm.from_request()
    if not code_form.validate():
        return await code_page(ctx, session, challenge_id, form_error(code_form), 400, code_form)
    try:
        result = await payments.pay_with_code(
            ctx, session_id, otp.CodeAnswer(challenge_id, code_form.code.data)
        )
    except CheckoutError as exc:
        return await refused(ctx, session, exc, code_form=code_form)
    remember_challenge(session_id, None)
    return redirect(session_rules.success_redirect(result["session"]) or own_url(session_id), 303)


async def refused(ctx, session: dict, exc: CheckoutError, form=None, code_form=None):
    """The page for a refused step: the state the session is in now, the code step again
    (a wrong code, a new one asked for too soon), or the PIN form with the reason."""
    session_id = session["_id"]
    if isinstance(exc, PaymentLinkLimitReached):
        # The link took its last payment while this page was open: say so, with no
        # form left to submit (this session can never be paid now).
        remember_challenge(session_id, None)
        return await render_template("checkout/sold_out.html", session=session), 422
    if exc.status in (409, 410):  # paid, canceled or gone meanwhile: show that
        # From MongoDB, the truth: a cached copy may still say "open".
        fresh = await payments.durable_session(ctx, session_id) or session
        fresh_state = session_rules.effective_status(fresh, utcnow())
        if fresh_state != SessionStatus.OPEN:
            remember_challenge(session_id, None)
            return await render_state(fresh, fresh_state, resubmitted=True)
    error = payment_error(exc)
    headers = {}
    if "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    challenge_id = remembered_challenge_id(session_id)
    if challenge_id is not None and exc.code in ("invalid_otp", "too_many_otp_codes"):
        return await code_page(ctx, session, challenge_id, error, exc.status, code_form, headers)
    if code_form is not None or exc.code == "otp_expired":
        remember_challenge(session_id, None)  # that code is gone: the PIN again, for a new one
    return await pay_page(
        session,
        form or await PayForm.from_request(),
        error=error,
        status=exc.status,
        headers=headers,
    )


async def code_page(ctx, session, challenge_id, error, status, code_form=None, headers=None):
    challenge = await otp.find_challenge(ctx, session["_id"], challenge_id)
    if challenge is None:  # its five minutes are up: back to the PIN
        remember_challenge(session["_id"], None)
        error = payment_error(OtpExpired(reason="expired"))
        return await pay_page(session, await PayForm.from_request(), error=error, status=410)
    code_form = code_form or await CodeForm.from_request()
    code_form.code.data = ""
    return await pay_page(
        session,
        code_form=code_form,
        challenge=challenge,
        error=error,
        status=status,
        headers=headers,
    )


async def pay_page(
    session: dict,
    form=None,
    *,
    code_form=None,
    challenge=None,
    error=None,
    status=200,
    headers=None,
    new_wallet=None,
):
    """The open session's page: the wallet code and PIN form, or (with a challenge) the
    one-time code form. new_wallet: the code of a wallet just opened from this page."""
    if form is not None:
        form.pin.data = ""
    seconds_left = session_rules.seconds_left(session, utcnow())
    return (
        await render_template(
            "checkout/pay.html",
            session=session,
            form=form,
            code_form=code_form,
            challenge=challenge,
            resend_form=ContinueForm() if challenge else None,
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
        headers or {},
    )


# The browser's pending code steps live in its signed session cookie: checkout session id
# -> challenge id (never the code). A few at most: one per checkout page left open.
CODE_STEPS = ("code", "resend", "restart")
CHALLENGES_COOKIE_KEY = "otp_challenges"
CHALLENGES_KEPT = 5


def remembered_challenge_id(session_id: str) -> str | None:
    challenges = browser_session.get(CHALLENGES_COOKIE_KEY) or {}
    return challenges.get(session_id) if isinstance(challenges, dict) else None


async def remembered_challenge(ctx, session_id: str) -> dict | None:
    challenge_id = remembered_challenge_id(session_id)
    if challenge_id is None:
        return None
    return await otp.find_challenge(ctx, session_id, challenge_id)


def remember_challenge(session_id: str, challenge_id: str | None) -> None:
    challenges = dict(browser_session.get(CHALLENGES_COOKIE_KEY) or {})
    challenges.pop(session_id, None)
    if challenge_id is not None:
        challenges[session_id] = challenge_id
    if challenges:
        browser_session[CHALLENGES_COOKIE_KEY] = dict(list(challenges.items())[-CHALLENGES_KEPT:])
    else:
        browser_session.pop(CHALLENGES_COOKIE_KEY, None)


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
    elif code in ("invalid_otp", "otp_expired", "too_many_otp_codes"):
        message = code_error(exc)
    elif code == "invalid_invoice_state":
        message = gettext("This invoice can no longer be paid.")
    elif code == "payment_contended":
        message = gettext(
            "Your wallet is busy with another payment that has not finished. Try again in a moment."
        )
    else:
        message = gettext("We could not take this payment.")
    return {"code": code, "message": message + " " + gettext("Nothing was charged.")}


def code_error(exc: CheckoutError) -> str:
    """The shopper's words for the one-time code's refusals."""
    if exc.code == "invalid_otp":
        left = exc.details.get("attemptsLeft") or 0
        if left == 0:
            return gettext("The code is incorrect. That was the last attempt: ask for a new code.")
        return ngettext(
            "The code is incorrect. %(num)d attempt left.",
            "The code is incorrect. %(num)d attempts left.",
            left,
        )
    if exc.code == "too_many_otp_codes":
        seconds = max(1, int(exc.details.get("retry_after") or 30))
        if seconds < 120:
            return ngettext(
                "You can ask for a new code in %(num)d second.",
                "You can ask for a new code in %(num)d seconds.",
                seconds,
            )
        return ngettext(
            "Too many codes for this wallet. Try again in %(num)d minute.",
            "Too many codes for this wallet. Try again in %(num)d minutes.",
            math.ceil(seconds / 60),
        )
    reason = exc.details.get("reason")
    if reason == "used":
        gone = gettext("This code has already been used.")
    elif reason == "dead":
        gone = gettext("Too many wrong codes.")
    elif reason == "replaced":
        gone = gettext("A newer code was sent: only the newest one works.")
    else:
        gone = gettext("The code has expired.")
    return gone + " " + gettext("Enter your PIN again to get a new code.")


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
