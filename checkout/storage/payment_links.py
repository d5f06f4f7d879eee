"""Reusable payment links and their count of completed payments."""

from typing import Any

from pymongo import ReturnDocument

from .pages import newest_first


async def insert_link(db, link: dict) -> None:
    await db.payment_links.insert_one(link)


async def find_link(db, code, session=None) -> dict | None:
    if not isinstance(code, str):
        return None
    return await db.payment_links.find_one({"_id": code}, session=session)


async def list_links(db, account_id, limit: int, after: dict | None = None) -> list[dict]:
    """Newest first; after is the last link of the previous page."""
    query = {"account_id": account_id}
    return await newest_first(db.payment_links, query, limit, after)


async def change_link(db, code: str, changes: dict, max_payments: int | None) -> dict | None:
    """Apply changes; with max_payments, only while completed payments are not above it
    (in the same update, so a payment counted meanwhile cannot slip past it). The updated
    link, or None when the condition failed."""
    query: dict[str, Any] = {"_id": code}
    if max_payments is not None:
        query["completed_payments"] = {"$lte": max_payments}
        changes = {**changes, "max_payments": max_payments}
    if not changes:
        return await find_link(db, code)
    return await db.payment_links.find_one_and_update(
        query, {"$set": changes}, return_document=ReturnDocument.AFTER
    )


async def deactivate_link(db, code: str, now) -> None:
    await db.payment_links.update_one(
        {"_id": code, "active": True}, {"$set": {"active": False, "deactivated_at": now}}
    )


async def count_link_payment(db, code: str, session) -> bool:
    """Count one completed payment, inside the payment's transaction. For a link with
    maxPayments the count only rises while below it: False means the link is used up
    and the payment must not happen."""
    link = await db.payment_links.find_one({"_id": code}, {"max_payments": 1}, session=session)
    if link is None:
        return True  # a deleted link does not stop a shopper who already has a session
    query: dict[str, Any] = {"_id": code}
    if link.get("max_payments") is not None:
        query["completed_payments"] = {"$lt": link["max_payments"]}
    result = await db.payment_links.update_one(
        query, {"$inc": {"completed_payments": 1}}, session=session
    )
    return result.modified_count == 1
