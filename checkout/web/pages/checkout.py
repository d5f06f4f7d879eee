"""The hosted checkout page: shows a session and takes a wallet payment, without JavaScript."""
from urllib.parse import urlsplit

from quart import Blueprint, g, redirect, render_template, request, url_for

from ...errors import CheckoutError, SessionNotFound
from ...money import format_amount
from ...services import payments, utcnow
from .. import context
from ..api.views import mask_wallet
from .forms import PayForm

blueprint = Blueprint("checkout", __name__)

STATE_STATUS = {"open": 200, "complete": 200, "expired": 410, "canceled": 410}


@blueprint.route("/checkout/<session_id>", methods=["GET", "POST"])
async def checkout_page(session_id):
    ctx = context()
    try:
        session = await payments.session_for_checkout(ctx, session_id)
    except SessionNotFound:
        return await render_template("checkout/unknown.html"), 404
    now = utcnow()
    state = payments.effective_status(session, now)
    if state != "open":
        return await render_state(session, state)
    form = await PayForm.from_request()

    allow_redirect_to(session)
    error, status = None, 200
    if request.method == "POST":
        if not form.validate():
            status = 400
        else:
            try:
                result = await payments.pay(ctx, session_id, form.wallet_code.data, form.pin.data)
            except CheckoutError as exc:
                if exc.status in (409, 410):  # paid or gone meanwhile: show that state
                    fresh = await payments.session_for_checkout(ctx, session_id)
                    return await render_state(fresh, payments.effective_status(fresh, utcnow()))
                error, status = exc, exc.status
            else:
                target = payments.success_redirect(result["session"])
                return redirect(target or url_for("checkout.checkout_page",
                                                  session_id=session_id), 303)
        form.pin.data = ""
    return await render_template(
        "checkout/pay.html",
        session=session,
        view=session_view(session),
        seconds_left=payments.seconds_left(session, now),
        form=form,
        error=error,
    ), status


async def render_state(session: dict, state: str):
    template = "checkout/complete.html" if state == "complete" else "checkout/closed.html"
    return await render_template(
        template, session=session, view=session_view(session), state=state,
        payer=mask_wallet(session.get("payer_wallet")),
    ), STATE_STATUS[state]


def session_view(session: dict) -> dict:
    currency = session["currency"]
    return {
        "amount": format_amount(session["amount"], currency),
        "fee": format_amount(session["fee"], currency),
        "total": format_amount(session["total"], currency),
    }


def allow_redirect_to(session: dict) -> None:
    """CSP form-action also covers the redirect after the form posts, so the merchant's
    success origin must be allowed on this page."""
    url = session.get("success_url")
    if url:
        parts = urlsplit(url)
        g.form_action_origins = [f"{parts.scheme}://{parts.netloc}"]
