"""Rules about a payment session's state that need no I/O."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .statuses import SessionStatus

Session = Mapping[str, Any]  # a payment session record as stored


def effective_status(session: Session, now: datetime) -> str:
    """The stored status, except that an open session past its expiry is expired already,
    whether or not the sweeper has written that down yet."""
    if session["status"] == SessionStatus.OPEN and now >= session["expires_at"]:
        return SessionStatus.EXPIRED
    return str(session["status"])


def effective_status_filter(status: str, now: datetime) -> dict[str, Any]:
    """The same rule as a MongoDB filter: the sessions whose effective status is `status`."""
    if status == SessionStatus.OPEN:
        return {"status": SessionStatus.OPEN, "expires_at": {"$gt": now}}
    if status == SessionStatus.EXPIRED:
        return {
            "$or": [
                {"status": SessionStatus.EXPIRED},
                {"status": SessionStatus.OPEN, "expires_at": {"$lte": now}},
            ]
        }
    return {"status": status}


def seconds_left(session: Session, now: datetime) -> int:
    if effective_status(session, now) != SessionStatus.OPEN:
        return 0
    return max(0, int((session["expires_at"] - now).total_seconds()))


def success_redirect(session: Session) -> str | None:
    """The merchant's success URL with Stripe's {CHECKOUT_SESSION_ID} placeholder filled."""
    url = session.get("success_url")
    if not url:
        return None
    return str(url).replace("{CHECKOUT_SESSION_ID}", session["_id"])
