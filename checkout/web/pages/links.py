"""/pay/:code: a reusable payment link's landing page.

GET (and HEAD) only shows who is paid and how much; nothing is written, so link previewers,
crawlers and refreshes cost nothing. Continue posts the page's CSRF-protected form, which
opens a fresh checkout session (limited per client address) and redirects to it.
"""
from quart import Blueprint, redirect, render_template, request, url_for

from ...errors import (
    PaymentLinkExhausted,
    PaymentLinkInactive,
    PaymentLinkNotFound,
    RateLimited,
)
from ...i18n import current_locale, gettext, ngettext
from ...services import payment_links
from .. import client_ip, context
from .forms import ContinueForm

blueprint = Blueprint("links", __name__)

# The page carries a CSRF token and each Continue creates a session: no shared caching.
NO_STORE = {"Cache-Control": "no-store"}
UNAVAILABLE = ((PaymentLinkNotFound, "unknown", 404), (PaymentLinkExhausted, "exhausted", 410),
               (PaymentLinkInactive, "inactive", 410))


@blueprint.route("/pay/<code>", methods=["GET", "POST"])
async def pay_link(code):
    ctx = context()
    try:
        preview = await payment_links.preview_link(ctx, code)
    except (PaymentLinkNotFound, PaymentLinkExhausted, PaymentLinkInactive) as exc:
        return await unavailable(exc)
    form = await ContinueForm.from_request()
    error, status, headers = None, 200, dict(NO_STORE)
    if request.method == "POST":
        if not form.validate():
            error, status = {"code": "form_expired", "message": gettext(
                "This page was open too long or your browser blocked its cookie. "
                "Nothing was charged. Press Continue to payment again.")}, 400
        else:
            try:
                _, session = await payment_links.open_session_from_link(ctx, code, client_ip())
            except (PaymentLinkNotFound, PaymentLinkExhausted, PaymentLinkInactive) as exc:
                return await unavailable(exc)  # turned off or used up since the page loaded
            except RateLimited as exc:
                seconds = int(exc.details.get("retry_after") or 60)
                error, status = {"code": "rate_limited", "message": ngettext(
                    "Too many payment pages were opened from your network. "
                    "Wait %(num)d second and try again. Nothing was charged.",
                    "Too many payment pages were opened from your network. "
                    "Wait %(num)d seconds and try again. Nothing was charged.",
                    seconds)}, 429
                headers["Retry-After"] = str(seconds)
            else:
                return redirect(checkout_url(session["_id"]), 303), 303, NO_STORE
    return await render_template("links/landing.html", session=preview, form=form,
                                 error=error), status, headers


def checkout_url(session_id: str) -> str:
    """The new session's page, in the language the shopper chose on this one."""
    args = {"lang": current_locale()} if request.args.get("lang") else {}
    return url_for("checkout.checkout_page", session_id=session_id, **args)


async def unavailable(exc: Exception):
    state, status = next((s, code) for kind, s, code in UNAVAILABLE if isinstance(exc, kind))
    return await render_template("links/unavailable.html", state=state), status, NO_STORE
