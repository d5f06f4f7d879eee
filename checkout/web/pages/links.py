"""GET /pay/:code: a reusable payment link opens a fresh checkout session per visitor."""
from quart import Blueprint, redirect, render_template, url_for

from ...errors import PaymentLinkExhausted, PaymentLinkInactive, PaymentLinkNotFound
from ...services import payment_links
from .. import context

blueprint = Blueprint("links", __name__)

# Each visit creates a session, so no cache may answer a second visitor with the first's.
NO_STORE = {"Cache-Control": "no-store"}


@blueprint.get("/pay/<code>")
async def pay_link(code):
    try:
        _, session = await payment_links.open_session_from_link(context(), code)
    except PaymentLinkNotFound:
        return await unavailable("unknown", 404)
    except PaymentLinkExhausted:
        return await unavailable("exhausted", 410)
    except PaymentLinkInactive:
        return await unavailable("inactive", 410)
    target = url_for("checkout.checkout_page", session_id=session["_id"])
    return redirect(target, 303), 303, NO_STORE


async def unavailable(state: str, status: int):
    return await render_template("links/unavailable.html", state=state), status, NO_STORE
