"""Cursor pagination, newest first: the one query shape every list of the API uses."""

from typing import Any

NEWEST_FIRST = [("created_at", -1), ("_id", -1)]


async def newest_first(
    collection, query: dict[str, Any], limit: int, after: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Up to `limit` documents matching `query`, newest first, after the document `after`
    (the last of the previous page). (created_at, _id) orders ties, so no document is
    skipped or shown twice between pages."""
    if after is not None:
        query = {
            "$and": [
                query,
                {
                    "$or": [
                        {"created_at": {"$lt": after["created_at"]}},
                        {"created_at": after["created_at"], "_id": {"$lt": after["_id"]}},
                    ]
                },
            ]
        }
    page: list[dict[str, Any]] = (
        await collection.find(query).sort(NEWEST_FIRST).limit(limit).to_list(length=limit)
    )
    return page
