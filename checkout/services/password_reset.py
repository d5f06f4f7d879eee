"""Password reset by mail: a single-use link valid for 30 minutes.

Asking for one always gets the same answer, whether or not the email has an account, so
the form cannot be used to find out which emails exist. The token is random and stored only
hashed. Setting the new password uses the token, moves the account's token version on and
ends its dashboard sessions (every login token and session issued before it stops working),
and retires any other reset link still out. Having the link also proves the mailbox, so it
verifies the account's email.
"""

import asyncio
import logging
from datetime import timedelta

from .. import security
from ..errors import InvalidMailToken
from ..storage import accounts as account_store
from ..storage import dashboard_sessions, mail_tokens, rate_limits
from . import Context, forget_account, limits, mail, utcnow

log = logging.getLogger(__name__)

PURPOSE = "password_reset"
TOKEN_LIFETIME = timedelta(minutes=30)
# Reset requests per client address, and mails per email address, per hour.
REQUESTS_PER_IP = 10
MAILS_PER_EMAIL = 3
WINDOW = 3600


def reset_url(ctx: Context, token: str) -> str:
    return f"{ctx.settings.public_base_url}/dashboard/reset-password?token={token}"


async def request_reset(ctx: Context, email: str, client_ip: str | None) -> None:
    """Mail a reset link if the email has an account. Raises RateLimited only for too many
    requests from one address, which says nothing about any email."""
    if client_ip:
        await limits.count_attempt(
            ctx, "reset-ip", client_ip, "password reset requests", REQUESTS_PER_IP, WINDOW
        )
    email = email.strip().lower()
    count, _ = await rate_limits.record_attempt(ctx.redis, "reset-email", email, WINDOW)
    if count > MAILS_PER_EMAIL:
        log.info("password reset: mail limit reached for one address; not sent")
        return
    account = await account_store.find_account_by_email(ctx.db, email)
    if account is None:
        return
    token = security.new_mail_token()
    now = utcnow()

    async def write(session):
        await mail_tokens.insert_token(
            ctx.db, security.mail_token_hash(token), PURPOSE, account, now, TOKEN_LIFETIME, session
        )
        await mail.queue_mail(
            ctx,
            to=account["email"],
            template="password_reset",
            locale="en",
            context={"url": reset_url(ctx, token), "minutes": 30},
            session=session,
        )

    await ctx.stores.in_transaction(write)


async def confirm_reset(ctx: Context, token, password: str) -> dict:
    """Set the new password with a valid link; returns the account after. Raises
    InvalidMailToken for an unknown, expired or used link."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvalidMailToken()
    password_hash = await asyncio.to_thread(ctx.passwords.hash, password)

    async def write(session):
        now = utcnow()
        used = await mail_tokens.use_token(
            ctx.db, security.mail_token_hash(token), PURPOSE, now, session
        )
        if used is None:
            raise InvalidMailToken()
        await mail_tokens.retire_tokens(ctx.db, used["account_id"], PURPOSE, now, session)
        return await account_store.reset_password(
            ctx.db, used["account_id"], password_hash, used["email"], now, session
        )

    account = await ctx.stores.in_transaction(write)
    # Before anything else: the old token version must not live on in the Redis copy.
    await forget_account(ctx, account["_id"])
    # The version check already refuses them; deleting frees Redis and is immediate.
    await dashboard_sessions.delete_account_sessions(ctx.redis, str(account["_id"]))
    await limits.clear_login(ctx, account["email"])
    return account
