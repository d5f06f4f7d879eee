import asyncio
import logging

from bson import ObjectId

from .. import money, security
from ..errors import InvalidCredentials, MerchantOnly, Unauthenticated
from ..statuses import Kind
from ..storage import account_cache, dashboard_sessions
from ..storage import accounts as account_store
from ..storage import wallets as wallet_store
from ..stores import STORE_ERRORS
from . import Context, email_verification, forget_account, limits, unit_of_work, utcnow
from .wallets import issue_credit, new_wallet, with_pending_credits

log = logging.getLogger(__name__)

MERCHANT, INDIVIDUAL = "merchant", "individual"


def is_merchant(account: dict) -> bool:
    """Accounts made before individuals existed have no kind: they are all merchants."""
    return account.get("kind", MERCHANT) == MERCHANT


def require_merchant(account: dict) -> None:
    """Taking payments and moving money out stay with merchant accounts (errors.MerchantOnly)."""
    if not is_merchant(account):
        raise MerchantOnly()


async def register(
    ctx: Context,
    organization: str,
    email: str,
    password: str,
    category: str,
    pin: str | None,
    client_ip: str | None = None,
) -> dict:
    """A merchant account, default wallet and welcome credit, all in one transaction.

    Returns {"account", "wallet", "pin"}; the clear PIN is shown this once only.
    """
    fields = {"kind": MERCHANT, "organization": organization, "category": category}
    return await open_account(ctx, fields, email, password, pin, client_ip)


async def register_individual(
    ctx: Context, name: str, email: str, password: str, pin: str, client_ip: str | None
) -> dict:
    """A shopper's own wallet account (no organization or category): it can pay and receive
    refunds. The welcome credit comes with it, locked like a merchant's (locked_credit.py),
    and stays locked in whatever wallet it is paid to."""
    return await open_account(
        ctx, {"kind": INDIVIDUAL, "name": name}, email, password, pin, client_ip
    )


async def open_account(
    ctx: Context,
    fields: dict,
    email: str,
    password: str,
    pin: str | None,
    client_ip: str | None,
) -> dict:
    """Account, default wallet and welcome credit in one transaction, under the per-address
    sign-up limit (each sign-up brings the credit)."""
    await limits.count_registration(ctx, client_ip)
    password_hash = await asyncio.to_thread(ctx.passwords.hash, password)
    account_id = ObjectId()
    wallet, pin = new_wallet(ctx, account_id, "Default wallet", pin)
    account = {
        "_id": account_id,
        "user_code": security.new_user_code(),
        **fields,
        "email": email,
        "password_hash": password_hash,
        "default_wallet": wallet["code"],
        "created_at": utcnow(),
        "email_verified_at": None,
    }
    credit = (
        money.parse_amount(ctx.settings.welcome_credit, ctx.settings.currency)
        if ctx.settings.welcome_credit > 0
        else 0
    )

    if credit and not ctx.settings.welcome_credit_withdrawable:
        wallet["locked_credit"] = credit  # spendable, never withdrawable

    async def write(uow):
        # Fresh copies: the callback may be retried, and insert_one adds _id in place.
        await account_store.insert_account(ctx.db, dict(account), uow.session)
        await wallet_store.insert_wallet(ctx.db, dict(wallet), uow.session)
        if credit:
            await issue_credit(uow, wallet, credit, Kind.WELCOME_CREDIT)
        await email_verification.send_link(ctx, account, uow.session)

    await unit_of_work.run(ctx, write)
    wallet["balance"] = credit
    return {"account": account, "wallet": wallet, "pin": pin}


async def login(
    ctx: Context, email: str, password: str, client_ip: str | None = None, dashboard: bool = False
) -> dict:
    """Check the credentials under the sign-in limits (per email; per client address when
    given); returns {"account", "wallet", "token"}."""
    if dashboard:
        await limits.count_login(ctx, email, client_ip, limits.LOGIN_LIMIT, "login-ip")
    else:
        await limits.count_login(
            ctx, email, client_ip, ctx.settings.api_login_limit_per_ip, "api-login-ip"
        )
    account = await account_store.find_account_by_email(ctx.db, email)
    stored = account["password_hash"] if account else ctx.dummy_password_hash
    ok = await asyncio.to_thread(ctx.passwords.verify, stored, password)
    if account is None or not ok:
        raise InvalidCredentials()
    await limits.clear_login(ctx, email)
    wallet = await wallet_store.find_wallet(ctx.db, account["default_wallet"])
    assert wallet is not None  # an account's default wallet is made with it, never deleted
    [wallet] = await with_pending_credits(ctx, [wallet])
    return {"account": account, "wallet": wallet, "token": login_token(ctx, account)}


def token_version(account: dict) -> int:
    """Moves on with every password or email change (0 for accounts that never had one)."""
    return account.get("token_version", 0)


def login_token(ctx: Context, account: dict) -> str:
    return security.issue_token(
        ctx.settings.jwt_secret,
        str(account["_id"]),
        ctx.settings.jwt_ttl,
        version=token_version(account),
    )


async def account_for_request(ctx: Context, account_id: str) -> dict | None:
    """The account a token, key or dashboard session acts as, without its password hash:
    from the Redis copy (storage/account_cache.py) when there is one, else MongoDB. Redis
    being down costs speed, not the request."""
    try:
        cached = await account_cache.get_account(ctx.redis, account_id)
    except STORE_ERRORS:
        cached = None
    if cached is not None:
        return cached
    account = await account_store.find_account(ctx.db, account_id)
    if account is not None:
        account.pop("password_hash", None)
        try:
            await account_cache.put_account(ctx.redis, account)
        except STORE_ERRORS:
            log.warning("could not cache account %s in Redis", account_id)
    return account


async def authenticate_token(ctx: Context, token: str) -> dict:
    account_id, version = security.read_token(ctx.settings.jwt_secret, token)
    account = await account_for_request(ctx, account_id)
    if account is None:
        raise Unauthenticated("The account for this token no longer exists.")
    if version != token_version(account):
        raise Unauthenticated(
            "This token was issued before a password or email change; log in again."
        )
    return account


async def update_profile(
    ctx: Context,
    account: dict,
    organization=None,
    email=None,
    category=None,
    password=None,
    current_password=None,
    notify_payments=None,
) -> dict:
    """A password or email change ends every login token and dashboard session issued
    before it (a stolen one must not outlive the credentials); the caller may issue the
    current client a fresh one from the returned account."""
    credentials_change = email is not None or password is not None
    if credentials_change:
        await limits.verify_password_again(
            ctx, account, current_password, "currentPassword is incorrect."
        )
    changes = {}
    if organization is not None:
        changes["organization"] = organization
    if email is not None:
        changes["email"] = email
        changes["email_verified_at"] = None  # the new address is verified again
    if category is not None:
        changes["category"] = category
    if notify_payments is not None:
        changes["notify_payments"] = bool(notify_payments)
    if password is not None:
        changes["password_hash"] = await asyncio.to_thread(ctx.passwords.hash, password)
    if credentials_change:
        updated = await account_store.update_credentials(ctx.db, account["_id"], changes)
        await forget_account(ctx, account["_id"])
        # The version check already refuses them; deleting frees Redis and is immediate.
        await dashboard_sessions.delete_account_sessions(ctx.redis, str(account["_id"]))
        updated = updated or {**account, **changes}
        if email is not None:
            await email_verification.email_changed(ctx, updated)
        return updated
    if changes:
        await account_store.update_account(ctx.db, account["_id"], changes)
        await forget_account(ctx, account["_id"])
    return {**account, **changes}
