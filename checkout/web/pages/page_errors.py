"""A service's refusal in the page's language.

CheckoutError.message is English and belongs to the JSON API too, so it is never translated
in place: a page that shows a refusal calls page_message(exc), which words it from the
error's stable code (and its details: a wait, attempts left, the field it names). English
pages keep the service's own message, which can name more detail (which URL check failed).
"""

import math

from ...errors import CheckoutError
from ...i18n import current_locale, gettext, ngettext
from ...i18n import lazy_gettext as _l
from ...services.webhooks import MAX_ENDPOINTS

# One message per code a dashboard page can show; the codes with details to word are in
# page_message below.
CODE_MESSAGES = {
    "invalid_credentials": _l("The password is incorrect."),
    "email_taken": _l("An account with this email already exists."),
    "email_not_verified": _l(
        "Verify your account's email first: open the link we mailed you "
        "(the dashboard can send a new one)."
    ),
    "account_frozen": _l(
        "This account is frozen by the platform operator: it cannot create payment sessions,"
        " receive payments or withdraw. Contact the operator."
    ),
    "insufficient_funds": _l(
        "The wallet balance does not cover the amount plus the withdrawal fee."
    ),
    "wallet_not_found": _l("No wallet has this code."),
    "forbidden": _l("This resource belongs to another account."),
    "invalid_amount": _l("The amount is invalid."),
    "currency_mismatch": _l("This wallet holds a different currency."),
    "webhook_disabled": _l("This endpoint is disabled: enable it first."),
    "webhook_not_found": _l("The webhook endpoint of this delivery was deleted."),
    "event_not_found": _l("The event of this delivery is past its 30 days and was deleted."),
    "invoice_not_found": _l("No invoice has this id."),
    "invalid_invoice_state": _l(
        "The invoice's status does not allow this. Reload the page to see its status now."
    ),
    "idempotency_in_flight": _l("This request is still being processed. Reload the page."),
    "store_unavailable": _l("A data store is unavailable. Try again shortly."),
    # sign-in mail links, payment sessions and their refunds (the dashboard, part A)
    "invalid_token": _l("This link is invalid, expired or already used. Ask for a new one."),
    "session_not_found": _l("No payment session has this id."),
    "session_not_open": _l("This payment is no longer open: it cannot be canceled."),
    "session_not_paid": _l("Only a paid payment can be refunded."),
    "already_refunded": _l("This payment has been refunded in full."),
    "refund_too_large": _l("The refund is larger than what is left to refund."),
    "merchant_only": _l("Only a merchant account can do this."),
    "payment_contended": _l("Too many payments are being made right now. Try again in a moment."),
}

# invalid_request names the field it refuses; its English message says exactly why.
FIELD_MESSAGES = {
    "url": _l(
        "Enter an absolute http(s) URL to a public host, without a user name or password, "
        "e.g. https://shop.example/webhooks."
    ),
    "events": _l("Choose at least one event from the list."),
    "logo": _l("Choose a PNG or JPEG file of at most 512 KB and 2048×2048 pixels."),
    "lineItems": _l("The lines add up to too large an amount."),
}


def page_message(exc: CheckoutError) -> str:
    if current_locale() == "en":
        return exc.message
    code = exc.code
    if code == "invalid_pin":
        left = exc.details.get("attempts_left")
        if left == 0:
            return gettext(
                "The wallet code or PIN is incorrect. That was the last attempt: "
                "this wallet is now locked for 15 minutes."
            )
        if left:
            return ngettext(
                "The wallet code or PIN is incorrect. %(num)d attempt left.",
                "The wallet code or PIN is incorrect. %(num)d attempts left.",
                left,
            )
        return gettext("The wallet code or PIN is incorrect.")
    if code == "wallet_locked":
        return ngettext(
            "This wallet is locked after too many wrong PINs. Try again in %(num)d minute.",
            "This wallet is locked after too many wrong PINs. Try again in %(num)d minutes.",
            minutes(exc, 900),
        )
    if code == "too_many_pin_failures":
        return ngettext(
            "Too many wrong PINs from your network. Try again in %(num)d minute.",
            "Too many wrong PINs from your network. Try again in %(num)d minutes.",
            minutes(exc, 900),
        )
    if code == "rate_limited":
        seconds = int(exc.details.get("retry_after") or 0)
        if seconds <= 0:
            return gettext("Too many attempts. Try again later.")
        if seconds < 120:
            return ngettext(
                "Too many attempts. Try again in %(num)d second.",
                "Too many attempts. Try again in %(num)d seconds.",
                seconds,
            )
        return ngettext(
            "Too many attempts. Try again in %(num)d minute.",
            "Too many attempts. Try again in %(num)d minutes.",
            math.ceil(seconds / 60),
        )
    if code == "webhook_limit_reached":
        return ngettext(
            "An account may have at most %(num)d webhook endpoint.",
            "An account may have at most %(num)d webhook endpoints.",
            MAX_ENDPOINTS,
        )
    if code == "invalid_request":
        names = [exc.details.get("field"), *(exc.details.get("fields") or [])]
        for name in names:
            if name in FIELD_MESSAGES:
                return str(FIELD_MESSAGES[name])
        return gettext("The request is invalid.")
    if code in CODE_MESSAGES:
        return str(CODE_MESSAGES[code])
    return gettext("This could not be done.")


def minutes(exc: CheckoutError, default_seconds: int) -> int:
    return max(1, math.ceil(int(exc.details.get("retry_after") or default_seconds) / 60))
