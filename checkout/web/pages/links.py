"""/pay/:code: a reusable payment link's landing page.

GET (and HEAD) only shows who is paid and how much; nothing is written, so link previewers,
crawlers and refreshes cost nothing. Continue posts the page's CSRF-protected form, which
opens a fresh checkout session (limited per client address) and redirects to it.
"""

import re
from decimal import Decimal
from typing import Any

from quart import Blueprint, redirect, render_template, request, url_for

from ...errors import (
    InvalidAmount,
    PaymentLinkExhausted,
    PaymentLinkInactive,
    PaymentLinkNotFound,
    RateLimited,
)
from ...i18n import current_locale, format_money, gettext, ngettext
from ...money import exponent, parse_amount, to_major
from ...services import payment_links
from .. import client_ip, context
from .forms import ContinueForm, CustomAmountForm

blueprint = Blueprint("links", __name__)

# The page carries a CSRF token and each Continue creates a session: no shared caching.
NO_STORE = {"Cache-Control": "no-store"}
UNAVAILABLE = (
    (PaymentLinkNotFound, "unknown", 404),
    (PaymentLinkExhausted, "exhausted", 410),
    (PaymentLinkInactive, "inactive", 410),
)


@blueprint.route("/pay/<code>", methods=["GET", "POST"])
async def pay_link(code):
    ctx = context()
    try:
        preview = await payment_links.preview_link(ctx, code)
    except (PaymentLinkNotFound, PaymentLinkExhausted, PaymentLinkInactive) as exc:
        return await unavailable(exc)
    bounds = preview["custom_amount"]
    if bounds:
        preset = bounds.get("preset")
        form = await CustomAmountForm.from_request(
            amount=None if preset is None else str(to_major(preset, preview["currency"]))
        )
    else:
        form = await ContinueForm.from_request()
    error, status, headers = None, 200, dict(NO_STORE)
    if request.method == "POST":
        amount, amount_problem = None, None
        if bounds:
            amount, amount_problem = typed_amount(form.amount.data, preview)
        if not form.validate():
            error, status = (
                {
                    "code": "form_expired",
                    "message": gettext(
                        "This page was open too long or your browser blocked its cookie. "
                        "Nothing was charged. Press Continue to payment again."
                    ),
                },
                400,
            )
        elif amount_problem:
            form.amount.errors = [amount_problem]
            error, status = amount_error(amount_problem), 400
        else:
            try:
                _, session = await payment_links.open_session_from_link(
                    ctx, code, client_ip(), amount=amount
                )
            except (PaymentLinkNotFound, PaymentLinkExhausted, PaymentLinkInactive) as exc:
                return await unavailable(exc)  # turned off or used up since the page loaded
            except InvalidAmount:  # outside the bounds (the service is the judge)
                form.amount.errors = [bounds_message(preview)]
                error, status = amount_error(bounds_message(preview)), 400
            except RateLimited as exc:
                seconds = int(exc.details.get("retry_after") or 60)
                error, status = (
                    {
                        "code": "rate_limited",
                        "message": ngettext(
                            "Too many payment pages were opened from your network. "
                            "Wait %(num)d second and try again. Nothing was charged.",
                            "Too many payment pages were opened from your network. "
                            "Wait %(num)d seconds and try again. Nothing was charged.",
                            seconds,
                        ),
                    },
                    429,
                )
                headers["Retry-After"] = str(seconds)
            else:
                return redirect(checkout_url(session["_id"]), 303), 303, NO_STORE
    return (
        await render_template("links/landing.html", session=preview, form=form, error=error),
        status,
        headers,
    )


# What a shopper types: digits with at most one decimal point or comma (12, 12.5, 12,50).
TYPED_AMOUNT = re.compile(r"^[0-9]{1,64}(?:[.,][0-9]{1,64})?$")


def typed_amount(text: str | None, preview: dict) -> tuple[int | None, str | None]:
    """The shopper's amount in minor units, or the message saying what to fix."""
    currency = preview["currency"]
    if not text or not TYPED_AMOUNT.match(text):
        example = format_money(preview["custom_amount"]["minimum"], currency)
        return None, gettext("Enter an amount, for example %(example)s.", example=example)
    try:
        return parse_amount(Decimal(text.replace(",", ".")), currency), None
    except InvalidAmount as exc:
        if "decimal places" in exc.message:
            return None, ngettext(
                "Enter an amount with at most %(num)d decimal place.",
                "Enter an amount with at most %(num)d decimal places.",
                exponent(currency),
            )
        return None, bounds_message(preview)  # zero, or too large for any payment


def amount_error(message: str) -> dict:
    return {"code": "invalid_amount", "message": message + " " + gettext("Nothing was charged.")}


def bounds_message(preview: dict) -> str:
    bounds, currency = preview["custom_amount"], preview["currency"]
    return gettext(
        "Enter an amount from %(minimum)s to %(maximum)s.",
        minimum=format_money(bounds["minimum"], currency),
        maximum=format_money(bounds["maximum"], currency),
    )


def checkout_url(session_id: str) -> str:
    """The new session's page, in the language the shopper chose on this one."""
    args: dict[str, Any] = {"lang": current_locale()} if request.args.get("lang") else {}
    return url_for("checkout.checkout_page", session_id=session_id, **args)


async def unavailable(exc: Exception):
    state, status = next((s, code) for kind, s, code in UNAVAILABLE if isinstance(exc, kind))
    return await render_template("links/unavailable.html", state=state), status, NO_STORE
