from quart import Blueprint, g, request

from ...errors import InvalidRequest, MerchantOnly
from ...money import to_major
from ...representations import profile_json
from ...services import accounts, branding
from .. import client_ip, context
from .auth import account_required, any_account_required
from .contract import answers, body, errors, raw_body
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
    """Change organization, email, category or password, and the branding shoppers see
    (displayName, supportEmail, supportUrl, brandColor; null clears one). Email and password
    changes need currentPassword and answer a new token (the change ended the old ones).
    A personal account may change only its email and password (403 merchant_only)."""
    known = ("organization", "email", "category", "password", *BRANDING_FIELDS)
    brand_changes = {
        stored: getattr(data, name)
        for name, stored in BRANDING_FIELDS.items()
        if name in data.model_fields_set
    }
    if not brand_changes and not any(getattr(data, name) is not None for name in known):
        raise InvalidRequest(f"Send at least one of: {', '.join(known)}")
    merchant_fields = data.organization is not None or data.category is not None
    if (merchant_fields or brand_changes) and not accounts.is_merchant(g.account):
        # Refused before anything is written.
        raise MerchantOnly("A personal account has no organization, category or branding.")
    if (data.email is not None or data.password is not None) and data.currentPassword is None:
        # Changing how one signs in needs more than a token that may have leaked.
        raise InvalidRequest(
            "currentPassword is required to change email or password",
            fields=["currentPassword"],
        )
    ctx = context()
    account = g.account
    if any(getattr(data, name) is not None for name in known[:4]):
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
