"""Dashboard sign-in sessions in Redis. The quart-auth cookie carries only a random
session id; the server can end a session (sign-out, password change) before the cookie
expires, which a cookie holding the account id alone could not.

Each session records the account's token version at sign-in ("<account id>:<version>"):
a password or email change moves the version on, so a session it failed to delete (or
one signed in with the old password while the change ran) is refused all the same.

A session's key and its account's index live in different Redis Cluster slots (the
cookie knows only the session id), so they are written one after the other, never in one
MULTI, in an order that leaves no session outside the index: the index is written first
and cleaned last. An id left in the index without its session is harmless (it expires)."""

KEY = "checkout:dashboard-session:{}"
ACCOUNT_INDEX = "checkout:dashboard-sessions:{}"


async def create_session(
    redis, session_id: str, account_id: str, ttl_seconds: int, token_version: int = 0
) -> None:
    index = ACCOUNT_INDEX.format(account_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.sadd(index, session_id)
        pipe.expire(index, ttl_seconds)
        await pipe.execute()
    await redis.set(KEY.format(session_id), f"{account_id}:{token_version}", ex=ttl_seconds)


async def find_session(redis, session_id: str) -> tuple[str, int] | None:
    """(account id, token version at sign-in) of a live session, or None."""
    value = await redis.get(KEY.format(session_id))
    if value is None:
        return None
    account_id, _, version = value.partition(":")
    return account_id, int(version) if version.isdigit() else 0


async def account_session_ids(redis, account_id: str) -> set[str]:
    """The ids of an account's dashboard sessions that may still be live."""
    return set(await redis.smembers(ACCOUNT_INDEX.format(account_id)))


async def delete_session(redis, session_id: str, account_id: str) -> None:
    await redis.delete(KEY.format(session_id))
    await redis.srem(ACCOUNT_INDEX.format(account_id), session_id)


async def delete_account_sessions(redis, account_id: str, keep: str | None = None) -> None:
    """End every dashboard session of an account except `keep`."""
    index = ACCOUNT_INDEX.format(account_id)
    ids = [sid for sid in await redis.smembers(index) if sid != keep]
    if not ids:
        return
    # On a Cluster, redis-py splits a many-key DEL into one per slot.
    await redis.delete(*[KEY.format(sid) for sid in ids])
    await redis.srem(index, *ids)
