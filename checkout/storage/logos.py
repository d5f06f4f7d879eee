"""Merchant logos in MongoDB (hosts stay stateless): one document per distinct file, named
by the SHA-256 of its bytes, so the same upload is stored once and a name never changes
meaning."""

from bson import Binary


async def save_logo(db, name: str, data: bytes, content_type: str, account_id, now) -> None:
    await db.logos.update_one(
        {"_id": name},
        {
            "$setOnInsert": {
                "data": Binary(data),
                "content_type": content_type,
                "account_id": account_id,
                "created_at": now,
            }
        },
        upsert=True,
    )


async def find_logo(db, name: str) -> dict | None:
    return await db.logos.find_one({"_id": name})
