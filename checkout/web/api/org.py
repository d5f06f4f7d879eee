from quart import Blueprint, g

from ...errors import InvalidRequest
from ...money import to_major
from ...representations import profile_json
from ...services import accounts, email_verification, password_reset
from .. import client_ip, context
from .auth import account_required
from .contract import answers, body, errors
from .schemas import (
    Accepted,
    EmailVerification,
    LoggedIn,
    Login,
    NoParameters,
    PasswordReset,
    PasswordResetConfirmation,
    PasswordResetRequest,
    Profile,
    ProfileChange,
    Registered,
    Registration,
)

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


@blueprint.post("/password-reset")
@errors(429)
@answers(Accepted, 202)
@body(PasswordResetRequest)
async def request_password_reset(data: PasswordResetRequest):
    """Mail a single-use reset link (valid 30 minutes) if the email has an account. Always
    202, whether or not it has: the answer does not tell which emails exist."""
    await password_reset.request_reset(context(), data.email, client_ip())
    return {"status": "accepted"}, 202


@blueprint.post("/password-reset/confirm")
@answers(PasswordReset)
@body(PasswordResetConfirmation)
async def confirm_password_reset(data: PasswordResetConfirmation):
    """Set a new password with the mailed token. It ends every login token and dashboard
    session issued before it; an unknown, expired or used token answers 400 invalid_token."""
    await password_reset.confirm_reset(context(), data.token, data.password)
    return {"status": "password_reset"}


@blueprint.post("/verify-email")
@answers(Profile)
@body(EmailVerification)
async def verify_email(data: EmailVerification):
    """Verify the account's email with the mailed token (400 invalid_token otherwise)."""
    account = await email_verification.confirm(context(), data.token)
    return profile_json(account)


@blueprint.post("/verify-email/resend")
@account_required
@errors(429)
@answers(Accepted, 202)
@body(NoParameters, optional=True)
async def resend_verification(data: NoParameters):
    """Mail a new verification link to the account's email (nothing if already verified)."""
    await email_verification.resend(context(), g.account)
    return {"status": "accepted"}, 202
