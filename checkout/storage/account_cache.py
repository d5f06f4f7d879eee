"""Accounts as authenticated requests see them, copied in Redis: checking a token or an API
key then costs one Redis GET instead of a MongoDB read on every request.

The copy never holds the password hash (storage/accounts.find_password_hash reads it when a
password is checked again). Whoever writes an account calls forget_account() after the write
(services/accounts.py does). Forgetting leaves a tombstone for a few seconds instead of
deleting: a request that read the account from MongoDB just before the write cannot put its
old copy back (put_account only writes where nothing is). Copies also expire after SECONDS.
"""

from datetime import UTC

from bson import json_util
from bson.json_util import JSONMode, JSONOptions

SECONDS = 60
TOMBSTONE_SECONDS = 10
_TOMBSTONE = "forgotten"
# Canonical Extended JSON keeps ObjectIds and dates exactly as MongoDB returned them.
_JSON = JSONOptions(json_mode=JSONMode.CANONICAL, tz_aware=True, tzinfo=UTC)


def _key(account_id: str) -> str:
    return f"checkout:account:{account_id}"


async def get_account(redis, account_id: str) -> dict | None:
    raw = await redis.get(_key(account_id))
    if raw is None or raw == _TOMBSTONE:
        return None
    return json_util.loads(raw, json_options=_JSON)


async def put_account(redis, account: dict) -> None:
    copy = {name: value for name, value in account.items() if name != "password_hash"}
    await redis.set(
        _key(str(account["_id"])), json_util.dumps(copy, json_options=_JSON), ex=SECONDS, nx=True
    )


async def forget_account(redis, account_id) -> None:
    await redis.set(_key(str(account_id)), _TOMBSTONE, ex=TOMBSTONE_SECONDS)
