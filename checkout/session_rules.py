"""Rules about a payment session's state that need no I/O."""


def effective_status(session: dict, now) -> str:
    """The stored status, except that an open session past its expiry is expired already,
    whether or not the sweeper has written that down yet."""
    if session["status"] == "open" and now >= session["expires_at"]:
        return "expired"
    return session["status"]


def seconds_left(session: dict, now) -> int:
    if effective_status(session, now) != "open":
        return 0
    return max(0, int((session["expires_at"] - now).total_seconds()))


def success_redirect(session: dict) -> str | None:
    """The merchant's success URL with Stripe's {CHECKOUT_SESSION_ID} placeholder filled."""
    url = session.get("success_url")
    if not url:
        return None
    return url.replace("{CHECKOUT_SESSION_ID}", session["_id"])
