"""Attempt limits on secrets and sign-ups, counted in Redis before the secret is checked
(so a burst of concurrent guesses cannot slip past them)."""

import asyncio
from contextlib import asynccontextmanager

from ..errors import InvalidCredentials, InvalidPin, RateLimited, TooManyPinFailures
from ..storage import accounts, rate_limits
from . import Context

LOGIN_LIMIT = 10  # per email, and per address on the dashboard, in LOGIN_WINDOW
LOGIN_WINDOW = 15 * 60
REGISTER_WINDOW = 3600
PIN_FAILURE_WINDOW = 15 * 60  # PIN_FAILURES_PER_IP counts wrong PINs in this window
LINK_SESSION_WINDOW = 60


def wait_phrase(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def count_attempt(
    ctx: Context,
    bucket: str,
    subject: str,
    what: str,
    limit: int = LOGIN_LIMIT,
    window: int = LOGIN_WINDOW,
) -> None:
    count, ttl = await rate_limits.record_attempt(ctx.redis, bucket, subject, window)
    if count > limit:
        raise RateLimited(f"Too many {what}. Try again in {wait_phrase(ttl)}.", retry_after=ttl)


async def count_login(
    ctx: Context, email: str, client_ip: str | None, ip_limit: int, ip_bucket: str
) -> None:
    """One sign-in attempt, per email (shared by the API and the dashboard) and per client
    address (each its own limit: servers behind one address log in through the API)."""
    counted = [("login-email", email, LOGIN_LIMIT)]
    if client_ip:
        counted.append((ip_bucket, client_ip, ip_limit))
    results = [
        (await rate_limits.record_attempt(ctx.redis, bucket, subject, LOGIN_WINDOW), limit)
        for bucket, subject, limit in counted
    ]
    over = [ttl for (count, ttl), limit in results if count > limit]
    if over:
        raise RateLimited(
            f"Too many sign-in attempts. Try again in {wait_phrase(max(over))}.",
            retry_after=max(over),
        )


async def count_operator_login(ctx: Context, email: str, client_ip: str | None) -> None:
    """One console sign-in attempt (password or TOTP code), counted before either is
    checked: per email and per client address, apart from the merchants' counters."""
    await count_attempt(ctx, "operator-login-email", email, "sign-in attempts")
    if client_ip:
        await count_attempt(ctx, "operator-login-ip", client_ip, "sign-in attempts")


async def clear_operator_login(ctx: Context, email: str) -> None:
    await rate_limits.clear_attempts(ctx.redis, "operator-login-email", email)


async def clear_login(ctx: Context, email: str) -> None:
    await rate_limits.clear_attempts(ctx.redis, "login-email", email)


async def count_registration(ctx: Context, client_ip: str | None) -> None:
    """Each account comes with a welcome credit: sign-ups per address are limited."""
    if client_ip and ctx.settings.registrations_per_hour:
        await count_attempt(
            ctx,
            "register-ip",
            client_ip,
            "sign-ups from this address",
            limit=ctx.settings.registrations_per_hour,
            window=REGISTER_WINDOW,
        )


async def count_link_session(ctx: Context, client_ip: str | None) -> None:
    """Each Continue on a payment link writes a session: opening them is limited per address."""
    if client_ip and ctx.settings.link_sessions_per_minute:
        await count_attempt(
            ctx,
            "link-session-ip",
            client_ip,
            "payment pages opened",
            limit=ctx.settings.link_sessions_per_minute,
            window=LINK_SESSION_WINDOW,
        )


async def verify_password_again(ctx: Context, account: dict, password, message: str) -> None:
    """Re-entering the password for a sensitive change, under the sign-in limit: a leaked
    token, key or cookie must not become a password oracle."""
    await count_attempt(ctx, "reauth", str(account["_id"]), "password attempts")
    # Read now, not from the request's account: the cached copy has no hash (account_cache).
    stored = await accounts.find_password_hash(ctx.db, account["_id"])
    ok = (
        isinstance(password, str)
        and stored is not None
        and await asyncio.to_thread(ctx.passwords.verify, stored, password)
    )
    if not ok:
        raise InvalidCredentials(message)


@asynccontextmanager
async def pin_failure_slot(ctx: Context, client_ip: str | None):
    """Wrong PINs per client address, over all wallets (each wallet's own lockout does not
    stop guesses spread over many wallets). A slot is taken before the PIN is compared, so
    concurrent guesses cannot slip past; it stays counted only if the PIN was wrong."""
    limit = ctx.settings.pin_failures_per_ip
    if not client_ip or not limit:
        yield
        return
    taken, ttl = await rate_limits.reserve_failure(
        ctx.redis, "pin-ip", client_ip, limit, PIN_FAILURE_WINDOW
    )
    if not taken:
        raise TooManyPinFailures(
            f"Too many wrong PINs from this address. Try again in {wait_phrase(ttl)}.",
            retry_after=ttl,
        )
    try:
        yield
    except InvalidPin:
        raise  # a wrong PIN (or unknown wallet): the slot stays a counted failure
    except Exception:
        # Locked, busy or a store error: no PIN was found wrong.
        await rate_limits.release_failure(ctx.redis, "pin-ip", client_ip)
        raise
    await rate_limits.release_failure(ctx.redis, "pin-ip", client_ip)
