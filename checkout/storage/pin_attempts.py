"""Wrong-PIN counters in Redis. A 6-digit PIN has only a million values: the lockout,
not the hash, is what stops guessing.

Two counters per wallet: failures (wrong PINs in the lock window) and checks in flight.
A check may start only while failures + in-flight < the limit, so even a burst of
concurrent guesses gets at most `limit` wrong tries per window; right PINs never count.
"""

from .scripts import LuaScript

# The wallet code in braces is the keys' Redis Cluster hash tag: both counters of a wallet
# live in one slot, so one script can read and change both.
FAILURES = "checkout:{{{}}}:pin-failures"
IN_FLIGHT = "checkout:{{{}}}:pin-checks"
# A crashed process must not hold its in-flight slot for long.
IN_FLIGHT_TTL = 30

_BEGIN = LuaScript("""
local failures = tonumber(redis.call('GET', KEYS[1]) or '0')
if failures >= tonumber(ARGV[1]) then
  return {'locked', redis.call('TTL', KEYS[1])}
end
local in_flight = tonumber(redis.call('GET', KEYS[2]) or '0')
if failures + in_flight >= tonumber(ARGV[1]) then
  return {'busy', 0}
end
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return {'ok', failures}
""")

_FINISH = LuaScript("""
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
  return 0
end
local failures = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return failures
""")


async def begin_check(redis, wallet_code: str, limit: int) -> tuple[str, int]:
    """('ok', failures so far) | ('locked', seconds left) | ('busy', 0)."""
    state, number = await _BEGIN.run(redis, _keys(wallet_code), (limit, IN_FLIGHT_TTL))
    return state, int(number)


async def clear_failures(redis, wallet_code: str) -> None:
    """Forget a wallet's wrong PINs, which also lifts its lock (support unlocking it)."""
    await redis.delete(FAILURES.format(wallet_code))


async def finish_check(redis, wallet_code: str, matched: bool, window_seconds: int) -> int:
    """Record the outcome; returns the failures now counted (0 after a right PIN)."""
    return int(
        await _FINISH.run(redis, _keys(wallet_code), ("1" if matched else "0", window_seconds))
    )


def _keys(wallet_code: str) -> tuple[str, str]:
    return FAILURES.format(wallet_code), IN_FLIGHT.format(wallet_code)


async def lock_state(redis, wallet_code: str) -> tuple[int, int]:
    """(wrong PINs counted now, seconds until they are forgotten; -2 or -1 when none)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.get(FAILURES.format(wallet_code))
        pipe.ttl(FAILURES.format(wallet_code))
        failures, ttl = await pipe.execute()
    return int(failures or 0), int(ttl)
