"""Operator console sessions in Redis, apart from the merchants' dashboard sessions.

The console cookie carries a random token; Redis keeps only its SHA-256, with the
operator id and the stage the sign-in reached: "setup" (setup password checked, TOTP not
yet enrolled) or "signed-in" (password and TOTP checked)."""

import hashlib

KEY = "checkout:operator-session:{}"


def _key(token: str) -> str:
    return KEY.format(hashlib.sha256(token.encode()).hexdigest())


async def create_session(redis, token: str, operator_id: str, stage: str, ttl: int) -> None:
    await redis.hset(_key(token), mapping={"operator_id": operator_id, "stage": stage})
    await redis.expire(_key(token), ttl)


async def find_session(redis, token: str) -> dict | None:
    found = await redis.hgetall(_key(token))
    return found or None


async def set_field(redis, token: str, name: str, value: str) -> None:
    await redis.hset(_key(token), name, value)


async def delete_session(redis, token: str) -> None:
    await redis.delete(_key(token))
