"""Fixed-window attempt counters in Redis (sign-in, password re-entry, wrong PINs).

The attempt is counted before the secret is checked, so a burst of concurrent guesses
cannot slip past the limit. Subjects (emails, IPs) are hashed: no personal data in Redis.
"""

import hashlib

from .scripts import LuaScript

KEY = "checkout:rate:{}:{}"


def _key(bucket: str, subject: str) -> str:
    return KEY.format(bucket, hashlib.sha256(subject.encode()).hexdigest()[:32])


async def record_attempt(redis, bucket: str, subject: str, window_seconds: int) -> tuple[int, int]:
    """Count one attempt in the window that started with the first one.
    Returns (attempts in this window, seconds until the window ends)."""
    key = _key(bucket, subject)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        pipe.ttl(key)
        _, count, ttl = await pipe.execute()
    return int(count), max(int(ttl), 1)


async def clear_attempts(redis, bucket: str, subject: str) -> None:
    await redis.delete(_key(bucket, subject))


# A failure slot is taken before the secret is checked and given back when it proves
# right, so only failures stay counted, and concurrent checks cannot overshoot the limit.
_RESERVE_FAILURE = LuaScript("""
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then
  return {0, redis.call('TTL', KEYS[1])}
end
redis.call('INCR', KEYS[1])
if redis.call('TTL', KEYS[1]) < 0 then
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return {1, 0}
""")

_RELEASE_FAILURE = LuaScript("""
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then
  redis.call('DECR', KEYS[1])
end
return 0
""")


async def reserve_failure(
    redis, bucket: str, subject: str, limit: int, window_seconds: int
) -> tuple[bool, int]:
    """Take one failure slot in the window that started with the first failure.
    Returns (True, 0), or (False, seconds until the window ends) when all are taken."""
    taken, ttl = await _RESERVE_FAILURE.run(
        redis, (_key(bucket, subject),), (limit, window_seconds)
    )
    return bool(taken), max(int(ttl), 1)


async def release_failure(redis, bucket: str, subject: str) -> None:
    """Give a slot back: the secret was right, or never compared."""
    await _RELEASE_FAILURE.run(redis, (_key(bucket, subject),), ())
