"""Invoices and each merchant's invoice-number counter."""

import contextlib
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .pages import newest_first


async def insert_invoice(db, invoice: dict) -> None:
    await db.invoices.insert_one(invoice)


async def find_invoice(db, invoice_id, session=None) -> dict | None:
    if not isinstance(invoice_id, str):
        return None
    return await db.invoices.find_one({"_id": invoice_id}, session=session)


async def list_invoices(
    db, account_id, status: str | None, limit: int, after: dict | None = None
) -> list[dict]:
    """Newest first; after is the last invoice of the previous page."""
    query: dict[str, Any] = {"account_id": account_id}
    if status is not None:
        query["status"] = status
    return await newest_first(db.invoices, query, limit, after)


async def change_invoice(
    db, invoice_id: str, from_statuses: tuple[str, ...], changes: dict, session=None
) -> dict | None:
    """Apply changes while the status is one of from_statuses (in the same update, so a
    concurrent transition cannot slip in between): the updated invoice, or None."""
    return await db.invoices.find_one_and_update(
        {"_id": invoice_id, "status": {"$in": list(from_statuses)}},
        {"$set": changes},
        return_document=ReturnDocument.AFTER,
        session=session,
    )


async def ensure_counter(db, account_id) -> None:
    """The account's invoice counter exists (outside any transaction: two transactions
    inserting it at once would conflict on the unique _id rather than wait)."""
    with contextlib.suppress(DuplicateKeyError):  # a concurrent call created it
        await db.invoice_counters.update_one(
            {"_id": account_id}, {"$setOnInsert": {"last_number": 0}}, upsert=True
        )


async def take_next_number(db, account_id, session) -> int:
    """The next invoice number, inside the transaction that assigns it: if that
    transaction aborts, so does the increment, so numbers have no gaps; concurrent
    transactions write the one counter document, so they conflict and retry rather than
    share a number."""
    counter = await db.invoice_counters.find_one_and_update(
        {"_id": account_id},
        {"$inc": {"last_number": 1}},
        return_document=ReturnDocument.AFTER,
        session=session,
    )
    if counter is None:
        raise LookupError("ensure_counter first")
    number: int = counter["last_number"]
    return number


async def find_overdue(db, now, limit: int) -> list[dict]:
    """Open invoices past their due date whose overdue event was not recorded yet."""
    query = {"status": "open", "due_at": {"$lte": now}, "overdue_at": None}
    return await db.invoices.find(query).sort("due_at", 1).limit(limit).to_list(length=limit)
