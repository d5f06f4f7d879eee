"""GET /api/v1/events: the account's events of the last 30 days, as webhooks send them."""

from quart import Blueprint, g

from ...jsonenc import loads
from ...representations import timestamp
from ...services import events
from .. import context
from .auth import account_required
from .contract import answers, query
from .schemas import Event, EventQuery, Events

blueprint = Blueprint("events", __name__, url_prefix="/api/v1/events")


def event_json(event: dict) -> dict:
    # The stored body is the exact text every delivery signs; its data is answered as is.
    return {
        "object": "event",
        "id": event["_id"],
        "type": event["type"],
        "createdAt": timestamp(event["created_at"]),
        "data": loads(event["payload"])["data"],
    }


@blueprint.get("")
@account_required
@answers(Events)
@query(EventQuery)
async def list_events(query: EventQuery):
    """Newest first, the last 30 days; page with startingAfter=nextCursor."""
    page = await events.list_events(
        context(),
        g.account,
        event_type=query.type,
        limit=query.limit,
        starting_after=query.startingAfter,
    )
    rows = [event_json(e) for e in page["data"]]
    return {
        "data": rows,
        "hasMore": page["has_more"],
        "nextCursor": rows[-1]["id"] if page["has_more"] else None,
    }


@blueprint.get("/<event_id>")
@account_required
@answers(Event)
async def read_event(event_id):
    return event_json(await events.event_for_owner(context(), g.account, event_id))
