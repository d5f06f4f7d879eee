"""Wrong-PIN counters in Redis. A 6-digit PIN has only a million values: the lockout,
not the hash, is what stops guessing."""

KEY = "checkout:pin-failures:{}"


async def count_failures(redis, wallet_code: str) -> int:
    value = await redis.get(KEY.format(wallet_code))
    return int(value) if value else 0


async def record_failure(redis, wallet_code: str, window_seconds: int) -> int:
    """Count one wrong PIN; the counter (and so the lock) ends window_seconds after the
    latest failure."""
    key = KEY.format(wallet_code)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, window_seconds)
        count, _ = await pipe.execute()
    return int(count)


async def lock_seconds_left(redis, wallet_code: str) -> int:
    ttl = await redis.ttl(KEY.format(wallet_code))
    return max(int(ttl), 0)


async def clear_failures(redis, wallet_code: str) -> None:
    await redis.delete(KEY.format(wallet_code))
