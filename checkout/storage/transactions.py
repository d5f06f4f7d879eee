from bson import ObjectId


async def insert_transactions(db, records: list[dict], session=None) -> None:
    await db.transactions.insert_many(records, session=session)


async def list_transactions(
    db, account_id, limit: int, starting_after: ObjectId | None
) -> list[dict]:
    query = {"account_id": account_id}
    if starting_after is not None:
        query["_id"] = {"$lt": starting_after}
    cursor = db.transactions.find(query).sort("_id", -1).limit(limit)
    return await cursor.to_list(length=limit)
