""" "Don't have a wallet?": a shopper opens a personal wallet account from a checkout page
and comes back to that same page to pay.

The page belongs to a checkout session (/checkout/<id>/wallet), so the way back is always
that session's own page: no return URL is taken from the request. The new wallet's code goes
back through the signed session cookie (never the URL), read once by the checkout page; the
shopper chose the PIN, so it is never shown.
"""

from typing import Any

from quart import Blueprint, redirect, render_template, request, session, url_for

from ...errors import EmailTaken, RateLimited, SessionNotFound
from ...i18n import current_locale, gettext, ngettext, preselect_locale
from ...services import accounts, payments
from .. import client_ip, context
from .forms import ShopperSignUpForm

blueprint = Blueprint("shoppers", __name__)

NEW_WALLET_KEY = "new_wallet"


@blueprint.route("/checkout/<session_id>/wallet", methods=["GET", "POST"])
async def sign_up(session_id):
    ctx = context()
    try:
        checkout = await payments.session_for_checkout(ctx, session_id)
    except SessionNotFound:
        return await render_template("checkout/unknown.html"), 404
    preselect_locale(checkout.get("locale"))
    form = await ShopperSignUpForm.from_request()
    error, status, headers = None, 200, {}
    if request.method == "POST":
        if not form.validate():
            status = 400
            if form.csrf_token.errors:
                error = gettext(
                    "This page was open too long or your browser blocked its cookie. "
                    "Enter your details and try again."
                )
        else:
            try:
                result = await accounts.register_individual(
                    ctx,
                    form.name.data,
                    form.email.data,
                    form.password.data,
                    form.pin.data,
                    client_ip(),
                )
            except EmailTaken as exc:
                form.email.errors = [
                    gettext("An account with this email already exists. Use another email.")
                ]
                status = exc.status
            except RateLimited as exc:
                minutes = max(1, -(-int(exc.details.get("retry_after") or 3600) // 60))
                error = ngettext(
                    "Too many wallets were opened from your network. Try again in %(num)d minute.",
                    "Too many wallets were opened from your network. Try again in %(num)d minutes.",
                    minutes,
                )
                status = exc.status
                headers["Retry-After"] = str(exc.details.get("retry_after") or 3600)
            else:
                session[NEW_WALLET_KEY] = {
                    "checkout": session_id,
                    "code": result["wallet"]["code"],
                }
                return redirect(checkout_page(session_id), 303)
    form.password.data = ""
    form.pin.data = ""
    return (
        await render_template(
            "shoppers/signup.html",
            session=checkout,
            form=form,
            error=error,
            back_url=checkout_page(session_id),
        ),
        status,
        headers,
    )


def checkout_page(session_id: str) -> str:
    args: dict[str, Any] = {"lang": current_locale()} if request.args.get("lang") else {}
    return url_for("checkout.checkout_page", session_id=session_id, **args)


def take_new_wallet(session_id: str) -> str | None:
    """The wallet code a shopper just opened for this checkout, once (the cookie forgets it)."""
    found = session.get(NEW_WALLET_KEY)
    if not isinstance(found, dict) or found.get("checkout") != session_id:
        return None
    session.pop(NEW_WALLET_KEY, None)
    code = found.get("code")
    return code if isinstance(code, str) else None
