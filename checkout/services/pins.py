"""Wallet PINs: checked under the wallet's lockout and the per-address failure limit.

A 6-digit PIN has a million values, so the limits, not the hash, are what protect it.
"""

import asyncio
import random

from .. import metrics, security
from ..errors import InvalidPin, WalletBusy, WalletLocked
from ..storage import pin_attempts
from . import Context, limits

MAX_PIN_FAILURES = 5
PIN_SLOT_TRIES = 100  # about a second of waiting for a PIN-check slot at most
PIN_LOCK_SECONDS = 15 * 60


async def check_pin(
    ctx: Context, wallet_code: str, wallet: dict | None, pin: str, *, client_ip: str | None = None
) -> None:
    """Verify a wallet PIN under two limits: PIN_FAILURES_PER_IP wrong PINs per client
    address over all wallets (when client_ip is given), and the wallet's own lockout."""
    async with limits.pin_failure_slot(ctx, client_ip):
        await check_wallet_pin(ctx, wallet_code, wallet, pin)


async def check_wallet_pin(ctx: Context, wallet_code: str, wallet: dict | None, pin: str) -> None:
    """Verify a wallet PIN under the lockout: 5 wrong PINs lock the wallet for 15 minutes."""
    # A check holds its slot only for two Redis round trips and an HMAC, so concurrent
    # payments from one wallet wait briefly for a slot rather than fail.
    for _ in range(PIN_SLOT_TRIES):
        state, number = await pin_attempts.begin_check(ctx.redis, wallet_code, MAX_PIN_FAILURES)
        if state != "busy":
            break
        await asyncio.sleep(random.uniform(0.005, 0.02))
    if state == "locked":
        raise WalletLocked(retry_after=max(number, 1))
    if state == "busy":
        raise WalletBusy(retry_after=1)
    matched = (
        wallet is not None
        and wallet.get("pin_hash") is not None
        and security.pin_matches(ctx.settings.pin_pepper, wallet_code, pin, wallet["pin_hash"])
    )
    failures = await pin_attempts.finish_check(ctx.redis, wallet_code, matched, PIN_LOCK_SECONDS)
    if matched:
        return
    left = max(MAX_PIN_FAILURES - failures, 0)
    if left == 0:
        metrics.PIN_LOCKOUTS.inc()
        raise InvalidPin(
            "The wallet code or PIN is incorrect. That was the last attempt: "
            "this wallet is now locked for 15 minutes.",
            attempts_left=0,
        )
    raise InvalidPin(
        f"The wallet code or PIN is incorrect. {left} attempt{'s' if left != 1 else ''} left.",
        attempts_left=left,
    )
