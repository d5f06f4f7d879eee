"""Email verification: sign-up (and every email change) mails a single-use link; until it
is used the account can sign in and take payments, but cannot withdraw or create API keys
(EMAIL_VERIFICATION_REQUIRED, default on).

Accounts made before verification existed have no email_verified_at field at all: they
count as verified, so an upgrade locks nobody out. New accounts start with None.
"""

from datetime import timedelta

from .. import security
from ..errors import EmailNotVerified, InvalidMailToken
from ..storage import accounts as account_store
from ..storage import mail_tokens
from . import Context, forget_account, limits, mail, utcnow

PURPOSE = "verify_email"
TOKEN_LIFETIME = timedelta(days=3)
RESENDS_PER_HOUR = 5


def is_verified(account: dict) -> bool:
    return account.get("email_verified_at", "before verification") is not None


def require_verified(ctx: Context, account: dict) -> None:
    """Withdrawals and API keys wait for a verified email (unless switched off)."""
    if ctx.settings.email_verification_required and not is_verified(account):
        raise EmailNotVerified()


def verify_url(ctx: Context, token: str) -> str:
    return f"{ctx.settings.public_base_url}/dashboard/verify-email?token={token}"


async def send_link(ctx: Context, account: dict, session) -> None:
    """A new link to the account's current email, in the caller's transaction."""
    token = security.new_mail_token()
    now = utcnow()
    await mail_tokens.insert_token(
        ctx.db, security.mail_token_hash(token), PURPOSE, account, now, TOKEN_LIFETIME, session
    )
    await mail.queue_mail(
        ctx,
        to=account["email"],
        template="verify_email",
        locale="en",
        context={
            "url": verify_url(ctx, token),
            "email": account["email"],
            "days": TOKEN_LIFETIME.days,
        },
        session=session,
    )


async def email_changed(ctx: Context, account: dict) -> None:
    """The account's email changed (account is as after): links to the old address stop
    working and the new one gets its own."""

    async def write(session):
        now = utcnow()
        await mail_tokens.retire_tokens(ctx.db, account["_id"], PURPOSE, now, session)
        await mail_tokens.retire_tokens(ctx.db, account["_id"], "password_reset", now, session)
        await send_link(ctx, account, session)

    await ctx.stores.in_transaction(write)


async def resend(ctx: Context, account: dict) -> None:
    if is_verified(account):
        return
    await limits.count_attempt(
        ctx, "verify-resend", str(account["_id"]), "verification mails", RESENDS_PER_HOUR, 3600
    )

    async def write(session):
        await mail_tokens.retire_tokens(ctx.db, account["_id"], PURPOSE, utcnow(), session)
        await send_link(ctx, account, session)

    await ctx.stores.in_transaction(write)


async def confirm(ctx: Context, token) -> dict:
    """Verify with a mailed token; returns the account after. InvalidMailToken for an
    unknown, expired or used token, or one sent to an address the account no longer has."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise InvalidMailToken()

    async def write(session):
        now = utcnow()
        used = await mail_tokens.use_token(
            ctx.db, security.mail_token_hash(token), PURPOSE, now, session
        )
        if used is None:
            raise InvalidMailToken()
        account = await account_store.mark_email_verified(
            ctx.db, used["account_id"], used["email"], now, session
        )
        if account is None:
            raise InvalidMailToken()
        return account

    account = await ctx.stores.in_transaction(write)
    await forget_account(ctx, account["_id"])
    return account
