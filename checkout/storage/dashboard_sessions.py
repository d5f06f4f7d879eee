"""Dashboard sign-in sessions in Redis. The quart-auth cookie carries only a random
session id; the server can end a session (sign-out, password change) before the cookie
expires, which a cookie holding the account id alone could not."""

KEY = "checkout:dashboard-session:{}"
ACCOUNT_INDEX = "checkout:dashboard-sessions:{}"


async def create_session(redis, session_id: str, account_id: str, ttl_seconds: int) -> None:
    index = ACCOUNT_INDEX.format(account_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(KEY.format(session_id), account_id, ex=ttl_seconds)
        pipe.sadd(index, session_id)
        pipe.expire(index, ttl_seconds)
        await pipe.execute()


async def find_account_id(redis, session_id: str) -> str | None:
    return await redis.get(KEY.format(session_id))


async def delete_session(redis, session_id: str, account_id: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(KEY.format(session_id))
        pipe.srem(ACCOUNT_INDEX.format(account_id), session_id)
        await pipe.execute()


async def delete_account_sessions(redis, account_id: str, keep: str | None = None) -> None:
    """End every dashboard session of an account except `keep`."""
    index = ACCOUNT_INDEX.format(account_id)
    ids = [sid for sid in await redis.smembers(index) if sid != keep]
    if not ids:
        return
    async with redis.pipeline(transaction=True) as pipe:
        pipe.delete(*[KEY.format(sid) for sid in ids])
        pipe.srem(index, *ids)
        await pipe.execute()
