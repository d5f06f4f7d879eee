from quart import Blueprint, g, request

from ...errors import InvalidRequest, MerchantOnly
from ...money import to_major
from ...representations import profile_json
from ...services import accounts, branding, email_verification, password_reset
from .. import client_ip, context
from .auth import account_required, any_account_required
from .contract import answers, body, errors, raw_body
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
        "merchant": account.get("organization"),
        "kind": account.get("kind", accounts.MERCHANT),
        "email": account["email"],
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "walletCode": wallet["code"],
        "token": result["token"],
        "expiresIn": context().settings.jwt_ttl,
    }


def profile(account: dict) -> dict:
    return profile_json(account, context().settings.public_base_url)


# PUT /profile's branding fields and the account's stored names for them.
BRANDING_FIELDS = {
    "displayName": "display_name",
    "supportEmail": "support_email",
    "supportUrl": "support_url",
    "brandColor": "brand_color",
}


@blueprint.get("/profile")
@any_account_required
@answers(Profile)
async def read_profile():
    return profile(g.account)


@blueprint.put("/profile")
@any_account_required
@errors(403, 409, 429)
@answers(Profile)
@body(ProfileChange)
async def update_profile(data: ProfileChange):
    """Change organization, email, category or password, whether each payment is mailed
    as a notice (notifyPayments), and the branding shoppers see (displayName, supportEmail,
    supportUrl, brandColor; null clears one). Email and password changes need
    currentPassword and answer a new token (the change ended the old ones). A personal
    account may change only its email and password (403 merchant_only)."""
    account_fields = ("organization", "email", "category", "password", "notifyPayments")
    known = (*account_fields, *BRANDING_FIELDS)
    brand_changes = {
        stored: getattr(data, name)
        for name, stored in BRANDING_FIELDS.items()
        if name in data.model_fields_set
    }
    if not brand_changes and not any(getattr(data, name) is not None for name in known):
        raise InvalidRequest(f"Send at least one of: {', '.join(known)}")
    merchant_fields = any(
        getattr(data, name) is not None for name in ("organization", "category", "notifyPayments")
    )
    if (merchant_fields or brand_changes) and not accounts.is_merchant(g.account):
        # Refused before anything is written.
        raise MerchantOnly(
            "A personal account has no organization, category, payment notices or branding."
        )
    if (data.email is not None or data.password is not None) and data.currentPassword is None:
        # Changing how one signs in needs more than a token that may have leaked.
        raise InvalidRequest(
            "currentPassword is required to change email or password",
            fields=["currentPassword"],
        )
    ctx = context()
    account = g.account
    if any(getattr(data, name) is not None for name in account_fields):
        # First: it may be refused (wrong currentPassword, email taken). The branding
        # values were checked with the body, so nothing is left half-saved.
        account = await accounts.update_profile(
            ctx,
            account,
            organization=data.organization,
            email=data.email,
            category=data.category,
            password=data.password,
            current_password=data.currentPassword,
            notify_payments=data.notifyPayments,
        )
    if brand_changes:
        account = await branding.save_branding(ctx, account, brand_changes)
    if data.email is None and data.password is None:
        return profile(account)
    # The change ended every login token, the caller's too: it carries on with this one.
    return {
        **profile(account),
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
    return profile(account)


@blueprint.post("/verify-email/resend")
@account_required
@errors(429)
@answers(Accepted, 202)
@body(NoParameters, optional=True)
async def resend_verification(data: NoParameters):
    """Mail a new verification link to the account's email (nothing if already verified)."""
    await email_verification.resend(context(), g.account)
    return {"status": "accepted"}, 202


@blueprint.put("/logo")
@account_required
@errors(413)
@answers(Profile)
@raw_body("image/png", "image/jpeg")
async def upload_logo():
    """The request body is the logo itself: a PNG or JPEG of at most 512 KB and 2048x2048
    pixels. It is decoded and re-encoded (no metadata kept), scaled to fit 256x256 and served
    from this server at logoUrl."""
    data = await request.get_data()
    return profile(await branding.save_branding(context(), g.account, {}, data))


@blueprint.delete("/logo")
@account_required
@answers(Profile)
async def delete_logo():
    """The checkout pages show no logo from now on."""
    return profile(await branding.save_branding(context(), g.account, {}, None))
