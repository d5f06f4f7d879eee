from bson import ObjectId
from bson.errors import InvalidId

from ..errors import InvalidRequest
from ..storage import transactions as txn_store
from . import Context

MAX_PAGE = 100


async def list_transactions(
    ctx: Context, account: dict, limit: int = 20, starting_after: str | None = None
) -> dict:
    """Newest first. The cursor is the id of the last record of the previous page."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE:
        raise InvalidRequest(f"limit must be a whole number from 1 to {MAX_PAGE}", field="limit")
    cursor = None
    if starting_after is not None:
        try:
            cursor = ObjectId(starting_after)
        except (InvalidId, TypeError):
            raise InvalidRequest(
                "startingAfter is not a transaction id", field="startingAfter"
            ) from None
    # One extra row tells whether another page exists.
    rows = await txn_store.list_transactions(ctx.db, account["_id"], limit + 1, cursor)
    return {"data": rows[:limit], "has_more": len(rows) > limit}
