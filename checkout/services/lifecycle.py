"""The rest of a payment session's life: listing, canceling, and the expiry sweep.

Each status change and its event are written in one MongoDB transaction; the conditional
update (only from "open") is what makes each event happen once, however many API calls
or sweepers race.
"""

import logging

from ..errors import InvalidRequest, SessionNotOpen
from ..session_rules import effective_status, effective_status_filter
from ..statuses import SessionStatus
from ..storage import sessions as session_store
from ..stores import STORE_ERRORS
from . import Context, unit_of_work, utcnow
from .payments import session_for_owner

log = logging.getLogger(__name__)

STATUSES = tuple(SessionStatus)
MAX_PAGE = 100
SWEEP_BATCH = 100


async def list_sessions(
    ctx: Context,
    account: dict,
    status: str | None = None,
    limit: int = 20,
    starting_after: str | None = None,
    client_reference_id: str | None = None,
    created_after=None,
    created_before=None,
) -> dict:
    """The caller's sessions, newest first. status filters on the effective status, so an
    open session past its expiry counts as expired even before the sweeper marks it."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit")
    now = utcnow()
    if status is not None and status not in STATUSES:
        raise InvalidRequest(f"status must be one of {', '.join(STATUSES)}", field="status")
    query = effective_status_filter(status, now) if status is not None else {}
    if client_reference_id is not None:
        query["client_reference_id"] = client_reference_id
    created = {}
    if created_after is not None:
        created["$gt"] = created_after
    if created_before is not None:
        created["$lt"] = created_before
    if created:
        query["created_at"] = created
    after = None
    if starting_after is not None:
        after = await session_store.find_session(ctx.db, starting_after)
        if after is None or after["account_id"] != account["_id"]:
            raise InvalidRequest(
                "startingAfter is not one of your payment sessions", field="startingAfter"
            )
    # One extra row tells whether another page exists.
    rows = await session_store.list_account_sessions(
        ctx.db, account["_id"], query, limit + 1, after
    )
    return {"data": rows[:limit], "has_more": len(rows) > limit}


async def cancel_session(ctx: Context, account: dict, session_id) -> dict:
    """open -> canceled (POST .../expire). Anything not open answers 409."""
    await session_for_owner(ctx, account, session_id)
    now = utcnow()

    async def cancel(uow):
        updated = await session_store.mark_session_canceled(ctx.db, session_id, now, uow.session)
        if updated is None:
            current = await session_store.find_session(ctx.db, session_id, uow.session)
            assert current is not None  # sessions are never deleted; this one was just found
            state = effective_status(current, now)
            raise SessionNotOpen(
                f"Only an open payment session can be expired; this one is {state}.",
                status=state,
            )
        await uow.record_event(
            updated["account_id"],
            "payment_session.canceled",
            updated,
            subject=session_id,
        )
        return updated

    updated = await unit_of_work.run(ctx, cancel)
    await forget_cached_copy(ctx, session_id)
    return updated


async def expire_overdue_sessions(ctx: Context, limit: int = SWEEP_BATCH) -> int:
    """Mark open sessions past expires_at as expired, each with its event; whether or not
    Redis still holds a copy. Returns how many this call expired."""
    now = utcnow()
    expired = 0
    for session_id in await session_store.find_overdue_session_ids(ctx.db, now, limit):

        async def expire(uow, session_id=session_id):
            updated = await session_store.mark_session_expired(ctx.db, session_id, now, uow.session)
            if updated is None:
                return None  # another sweeper or a payment got there first
            await uow.record_event(
                updated["account_id"],
                "payment_session.expired",
                updated,
                subject=session_id,
            )
            return updated

        if await unit_of_work.run(ctx, expire) is not None:
            expired += 1
            await forget_cached_copy(ctx, session_id)
    return expired


async def forget_cached_copy(ctx: Context, session_id: str) -> None:
    """After the commit the page must not show the stale cached copy. A Redis failure may
    not undo the change: MongoDB is the truth, and the page re-reads it after a refusal."""
    try:
        await session_store.forget_cached_session(ctx.redis, session_id)
    except STORE_ERRORS:
        log.warning("could not drop cached session %s", session_id)
