"""One-time-code step-up for large payments.

A payment whose total is at least OTP_THRESHOLD needs, after the right PIN, a 6-digit code
mailed to the payer account's email. The first try (no code) makes a challenge, queues the
mail and raises CodeRequired; the payer then sends the code with the challenge's id.

Rules (storage/otp_challenges.py makes each check atomic):
- a challenge belongs to one payment session, one payer wallet and one total;
- a code lives CODE_TTL seconds and takes MAX_ATTEMPTS wrong tries, then it is dead;
- the right code is used up by the first submission that brings it: a second one (another
  tab, a replay) finds it used, and the session's own open -> complete flip still keeps a
  payment to one;
- a new code replaces the payer's older one for that session, and comes at most every
  RESEND_INTERVAL seconds and CODES_PER_WALLET times an hour for a wallet;
- only a keyed hash of the code is stored, and the code is never logged (the mail outbox
  holds it until the mail is sent, then forgets it: services/mail.py).
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import otp_codes
from ..errors import InvalidOtp, OtpExpired, TooManyOtpCodes
from ..i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from ..storage import accounts as account_store
from ..storage import otp_challenges as store
from ..storage import rate_limits
from ..storage import wallets as wallet_store
from . import Context, mail, utcnow
from .limits import wait_phrase

log = logging.getLogger(__name__)

CODE_TTL = 5 * 60
MAX_ATTEMPTS = 5
RESEND_INTERVAL = 30
CODES_PER_WALLET = 10
CODES_WINDOW = 3600
MAIL_TEMPLATE = "otp_code"

# Why a challenge can no longer be used: the API's message for each (all 410 otp_expired).
GONE = {
    "expired": "This one-time code has expired.",
    "used": "This one-time code has already been used.",
    "dead": "Too many wrong one-time codes: this one can no longer be used.",
    "replaced": "A newer one-time code was sent: only the newest one works.",
    "mismatch": "This one-time code was sent for another wallet or amount.",
}
ASK_AGAIN = " Send the payment again without a code to get a new one."


@dataclass(frozen=True)
class Challenge:
    id: str
    sent_to: str  # the payer's email, masked: j•••@example.com
    expires_at: datetime


@dataclass(frozen=True)
class CodeAnswer:
    """What the payer sends back: the challenge's id and the code from the mail."""

    challenge_id: str
    code: str


class CodeRequired(Exception):
    """Not a refusal: nothing moved, and the payment waits for the code just mailed."""

    def __init__(self, challenge: Challenge):
        super().__init__("a one-time code is required")
        self.challenge = challenge


def required(ctx: Context, session: dict) -> bool:
    return otp_codes.needs_code(ctx.settings.otp_threshold, session["total"], session["currency"])


def _key(ctx: Context) -> bytes:
    return otp_codes.code_key(ctx.settings.pin_pepper)


async def send_code(ctx: Context, session: dict, payer: dict, locale: str | None) -> Challenge:
    """A new challenge for this session and payer wallet (the PIN was right), its code
    queued for mail to the payer account's email. TooManyOtpCodes when one was sent less
    than RESEND_INTERVAL ago, or the wallet had CODES_PER_WALLET this hour."""
    wallet = payer["code"]
    taken, wait = await rate_limits.reserve_failure(
        ctx.redis, "otp-codes", wallet, CODES_PER_WALLET, CODES_WINDOW
    )
    if not taken:
        raise TooManyOtpCodes(
            f"Too many one-time codes for this wallet. Try again in {wait_phrase(wait)}.",
            retry_after=wait,
        )
    challenge_id, code = otp_codes.new_challenge_id(), otp_codes.new_code()
    try:
        account = await account_store.find_account(ctx.db, str(payer["account_id"]))
        if account is None:  # a wallet always has its account; never mail nobody
            raise OtpExpired("This wallet cannot receive one-time codes.")
        sent_to = otp_codes.mask_email(account["email"])
        wait = await store.create_challenge(
            ctx.redis,
            session["_id"],
            challenge_id,
            code_hash=otp_codes.code_hash(_key(ctx), challenge_id, code),
            payer=wallet,
            total=session["total"],
            sent_to=sent_to,
            ttl=CODE_TTL,
            resend_interval=RESEND_INTERVAL,
        )
        if wait:
            raise TooManyOtpCodes(
                f"A code was sent moments ago. You can ask for a new one in {wait} seconds.",
                retry_after=wait,
            )
    except BaseException:
        await rate_limits.release_failure(ctx.redis, "otp-codes", wallet)
        raise
    now = utcnow()
    try:
        await mail.queue_mail(
            ctx,
            to=account["email"],
            template=MAIL_TEMPLATE,
            locale=mail_locale(locale, session),
            context={
                "code": code,
                "merchant": session["merchant_name"],
                "total": session["total"],
                "currency": session["currency"],
                "minutes": CODE_TTL // 60,
                "requested_at": now,
            },
        )
    except BaseException:
        # No mail, no challenge: the payer may ask again at once.
        await store.withdraw_challenge(ctx.redis, session["_id"], challenge_id, wallet)
        await rate_limits.release_failure(ctx.redis, "otp-codes", wallet)
        raise
    log.info("one-time code challenge %s sent for session %s", challenge_id, session["_id"])
    return Challenge(challenge_id, sent_to, now + timedelta(seconds=CODE_TTL))


def mail_locale(locale: str | None, session: dict) -> str:
    """The shopper's page language, else the merchant's choice for the session, else English."""
    for choice in (locale, session.get("locale")):
        if choice in SUPPORTED_LOCALES:
            return choice
    return DEFAULT_LOCALE


async def use_code(ctx: Context, session: dict, payer_code: str, answer: CodeAnswer) -> None:
    """Accept the code for this session, payer and total, using it up; else InvalidOtp
    (with attemptsLeft) or OtpExpired (with the reason)."""
    outcome, left = await store.consume_code(
        ctx.redis,
        session["_id"],
        answer.challenge_id,
        payer=payer_code,
        total=session["total"],
        code_hash=otp_codes.code_hash(_key(ctx), answer.challenge_id, answer.code),
        max_attempts=MAX_ATTEMPTS,
    )
    if outcome == "ok":
        return
    if outcome == "wrong":
        if left == 0:
            raise InvalidOtp(
                "The one-time code is incorrect. That was the last attempt:" + ASK_AGAIN,
                attemptsLeft=0,
            )
        raise InvalidOtp(
            f"The one-time code is incorrect. {left} attempt{'s' if left != 1 else ''} left.",
            attemptsLeft=left,
        )
    raise OtpExpired(GONE.get(outcome, GONE["expired"]) + ASK_AGAIN, reason=outcome)


async def challenged_payer(ctx: Context, session_id: str, challenge_id: str) -> dict:
    """The payer wallet a challenge of this session was made for (the page's code step and
    its resend, where the challenge stands for the right PIN); OtpExpired once it is gone."""
    challenge = await store.find_challenge(ctx.redis, session_id, challenge_id)
    wallet = None
    if challenge is not None and challenge["state"] != "used":
        wallet = await wallet_store.find_wallet(ctx.db, challenge["payer"])
    if wallet is None:
        reason = challenge["state"] if challenge else "expired"
        raise OtpExpired(GONE[reason] + ASK_AGAIN, reason=reason)
    return wallet


async def resend_code(ctx: Context, session: dict, challenge_id: str, locale: str | None):
    """The page's "send a new code": a new challenge for the payer of this one, under the
    same limits as any new code."""
    payer = await challenged_payer(ctx, session["_id"], challenge_id)
    return await send_code(ctx, session, payer, locale)


async def find_challenge(ctx: Context, session_id: str, challenge_id: str) -> dict | None:
    """The challenge in any state (open, used, dead) until its time is up, else None."""
    return await store.find_challenge(ctx.redis, session_id, challenge_id)
