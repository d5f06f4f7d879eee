"""One-time-code challenges in Redis: a hash per challenge that lives as long as its code.

Every check and change of a challenge is one Lua script, so it is atomic: of any number of
concurrent submissions of the right code exactly one finds the challenge open and marks it
used, and concurrent wrong codes are each counted, so no burst gets more than the allowed
tries. Only the code's keyed hash is stored (otp_codes.code_hash), never the code.

The keys of one payment session share a hash tag, so every script's keys sit in one
Redis Cluster slot:
- checkout:otp:{<session>}:<challenge>  the challenge (state, code_hash, payer, total,
  sent_to, attempts); state is open, used (the right code came) or dead (too many wrong);
- checkout:otp-current:{<session>}:<wallet>  the id of the payer's newest challenge for
  that session: a new code makes the older ones useless;
- checkout:otp-cooldown:{<session>}:<wallet>  present while no new code may be sent.
"""

CHALLENGE = "checkout:otp:{{{}}}:{}"
CURRENT = "checkout:otp-current:{{{}}}:{}"
COOLDOWN = "checkout:otp-cooldown:{{{}}}:{}"

_CREATE = """
local wait = redis.call('PTTL', KEYS[3])
if wait > 0 then
  return {'wait', wait}
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'state', 'open', 'code_hash', ARGV[2], 'payer', ARGV[3],
           'total', ARGV[4], 'sent_to', ARGV[5], 'attempts', 0)
redis.call('EXPIRE', KEYS[1], ARGV[6])
redis.call('SET', KEYS[2], ARGV[1], 'EX', ARGV[6])
redis.call('SET', KEYS[3], ARGV[1], 'EX', ARGV[7])
return {'ok', 0}
"""

# Outcomes: ok (the right code: now used), wrong (and the tries left), expired (no such
# challenge: never made, or past its time), mismatch (another payer or amount), used,
# dead (out of tries), replaced (a newer code was sent).
_CONSUME = """
local c = redis.call('HMGET', KEYS[1], 'state', 'code_hash', 'payer', 'total', 'attempts')
if not c[1] then
  return {'expired', 0}
end
if c[3] ~= ARGV[2] or c[4] ~= ARGV[3] then
  return {'mismatch', 0}
end
if c[1] ~= 'open' then
  return {c[1], 0}
end
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
  return {'replaced', 0}
end
if c[2] == ARGV[4] then
  redis.call('HSET', KEYS[1], 'state', 'used')
  return {'ok', 0}
end
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
local left = tonumber(ARGV[5]) - attempts
if left <= 0 then
  redis.call('HSET', KEYS[1], 'state', 'dead')
  left = 0
end
return {'wrong', left}
"""


def _keys(session_id: str, challenge_id: str, payer: str) -> list[str]:
    return [
        CHALLENGE.format(session_id, challenge_id),
        CURRENT.format(session_id, payer),
        COOLDOWN.format(session_id, payer),
    ]


async def create_challenge(
    redis,
    session_id: str,
    challenge_id: str,
    *,
    code_hash: str,
    payer: str,
    total: int,
    sent_to: str,
    ttl: int,
    resend_interval: int,
) -> int:
    """Store a new challenge as the payer's current one for this session, unless the last
    was sent less than resend_interval seconds ago. Returns 0, or the seconds to wait."""
    state, wait_ms = await redis.eval(
        _CREATE,
        3,
        *_keys(session_id, challenge_id, payer),
        challenge_id,
        code_hash,
        payer,
        total,
        sent_to,
        ttl,
        resend_interval,
    )
    return 0 if state == "ok" else max(1, -(-int(wait_ms) // 1000))


async def withdraw_challenge(redis, session_id: str, challenge_id: str, payer: str) -> None:
    """Undo create_challenge (its code could not be sent): the payer may ask again at once."""
    await redis.delete(*_keys(session_id, challenge_id, payer))


async def consume_code(
    redis,
    session_id: str,
    challenge_id: str,
    *,
    payer: str,
    total: int,
    code_hash: str,
    max_attempts: int,
) -> tuple[str, int]:
    """Check a submitted code against the challenge and use it up if right, atomically.
    Returns (outcome, tries left): see _CONSUME for the outcomes."""
    keys = _keys(session_id, challenge_id, payer)[:2]
    outcome, left = await redis.eval(
        _CONSUME, 2, *keys, challenge_id, payer, total, code_hash, max_attempts
    )
    return outcome, int(left)


async def find_challenge(redis, session_id: str, challenge_id: str) -> dict | None:
    """The challenge (state, payer, total, sent_to, attempts, seconds_left, current), or
    None once it has expired. Never the code's hash."""
    key = CHALLENGE.format(session_id, challenge_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hmget(key, "state", "payer", "total", "sent_to", "attempts")
        pipe.ttl(key)
        (state, payer, total, sent_to, attempts), ttl = await pipe.execute()
    if state is None:
        return None
    current = await redis.get(CURRENT.format(session_id, payer))
    return {
        "id": challenge_id,
        "state": state,
        "payer": payer,
        "total": int(total),
        "sent_to": sent_to,
        "attempts": int(attempts),
        "seconds_left": max(int(ttl), 0),
        "current": current == challenge_id,
    }
