"""Fixed-window attempt counters in Redis (sign-in, password re-entry).

The attempt is counted before the secret is checked, so a burst of concurrent guesses
cannot slip past the limit. Subjects (emails, IPs) are hashed: no personal data in Redis.
"""
import hashlib

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
