from quart import Blueprint, g

from ...errors import InvalidRequest
from ...money import to_major
from ...representations import profile_json
from ...services import accounts
from .. import client_ip, context
from .auth import account_required
from .contract import answers, body, errors
from .schemas import LoggedIn, Login, Profile, ProfileChange, Registered, Registration

blueprint = Blueprint("org", __name__, url_prefix="/api/v1/org")


@blueprint.post("/register")
@errors(409, 429)
@answers(Registered, 201)
@body(Registration)
async def register(data: Registration):
    """Sign up: an account with its default wallet (and that wallet's PIN, shown once)."""
    result = await accounts.register(
        context(),
        data.organization,
        data.email,
        data.password,
        data.category,
        data.pin,
        client_ip(),
    )
    account, wallet = result["account"], result["wallet"]
    return {
        "userCode": account["user_code"],
        "merchant": account["organization"],
        "email": account["email"],
        "walletCode": wallet["code"],
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "pin": result["pin"],
    }, 201


@blueprint.post("/login")
@errors(401, 429)
@answers(LoggedIn)
@body(Login)
async def login(data: Login):
    """A login token (JWT) for the Authorization: Bearer header."""
    result = await accounts.login(context(), data.email.lower(), data.password, client_ip())
    account, wallet = result["account"], result["wallet"]
    return {
        "userCode": account["user_code"],
        "merchant": account["organization"],
        "email": account["email"],
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "walletCode": wallet["code"],
        "token": result["token"],
        "expiresIn": context().settings.jwt_ttl,
    }


@blueprint.get("/profile")
@account_required
@answers(Profile)
async def read_profile():
    return profile_json(g.account)


@blueprint.put("/profile")
@account_required
@errors(409, 429)
@answers(Profile)
@body(ProfileChange)
async def update_profile(data: ProfileChange):
    """Change organization, email, category or password; email and password changes need
    currentPassword and answer a new token (the change ended the old ones)."""
    known = ("organization", "email", "category", "password", "notifyPayments")
    if not any(getattr(data, name) is not None for name in known):
        raise InvalidRequest(f"Send at least one of: {', '.join(known)}")
    if (data.email is not None or data.password is not None) and data.currentPassword is None:
        # Changing how one signs in needs more than a token that may have leaked.
        raise InvalidRequest(
            "currentPassword is required to change email or password",
            fields=["currentPassword"],
        )
    ctx = context()
    account = await accounts.update_profile(
        ctx,
        g.account,
        organization=data.organization,
        email=data.email,
        category=data.category,
        password=data.password,
        current_password=data.currentPassword,
        notify_payments=data.notifyPayments,
    )
    if data.email is None and data.password is None:
        return profile_json(account)
    # The change ended every login token, the caller's too: it carries on with this one.
    return {
        **profile_json(account),
        "token": accounts.login_token(ctx, account),
        "expiresIn": ctx.settings.jwt_ttl,
    }
