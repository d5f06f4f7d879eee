from quart import Blueprint, g, jsonify

from ... import validation
from ...errors import InvalidRequest
from ...money import to_major
from ...security import check_pin_format
from ...services import accounts
from .. import client_ip, context
from .auth import account_required
from .parsing import json_body
from ...representations import profile_json

blueprint = Blueprint("org", __name__, url_prefix="/api/v1/org")


@blueprint.post("/register")
async def register():
    data = await json_body()
    validation.require_fields(data, ("organization", "email", "password", "category"))
    organization = validation.text(data, "organization", max_length=100)
    email = validation.email(data)
    password = validation.password(data)
    category = validation.text(data, "category", max_length=50)
    pin = check_pin_format(data["pin"]) if data.get("pin") is not None else None
    result = await accounts.register(context(), organization, email, password, category, pin,
                                     client_ip())
    account, wallet = result["account"], result["wallet"]
    return jsonify({
        "userCode": account["user_code"],
        "merchant": account["organization"],
        "email": account["email"],
        "walletCode": wallet["code"],
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "pin": result["pin"],
    }), 201


@blueprint.post("/login")
async def login():
    data = await json_body()
    validation.require_fields(data, ("email", "password"))
    email = validation.text(data, "email", max_length=254).lower()
    password = validation.password(data, new=False)
    result = await accounts.login(context(), email, password, client_ip())
    account, wallet = result["account"], result["wallet"]
    return jsonify({
        "userCode": account["user_code"],
        "merchant": account["organization"],
        "email": account["email"],
        "balance": to_major(wallet["balance"], wallet["currency"]),
        "currency": wallet["currency"],
        "walletCode": wallet["code"],
        "token": result["token"],
        "expiresIn": context().settings.jwt_ttl,
    })


@blueprint.get("/profile")
@account_required
async def read_profile():
    return jsonify(profile_json(g.account))


@blueprint.put("/profile")
@account_required
async def update_profile():
    data = await json_body()
    known = ("organization", "email", "category", "password")
    if not any(data.get(name) is not None for name in known):
        raise InvalidRequest(f"Send at least one of: {', '.join(known)}")
    organization = validation.text(data, "organization", required=False, max_length=100)
    email = validation.email(data, required=False)
    category = validation.text(data, "category", required=False, max_length=50)
    password = validation.password(data, required=False)
    current_password = validation.password(data, "currentPassword", required=False, new=False)
    if (email is not None or password is not None) and current_password is None:
        # Changing how one signs in needs more than a token that may have leaked.
        raise InvalidRequest(
            "currentPassword is required to change email or password",
            fields=["currentPassword"],
        )
    ctx = context()
    account = await accounts.update_profile(
        ctx, g.account, organization=organization, email=email, category=category,
        password=password, current_password=current_password,
    )
    if email is None and password is None:
        return jsonify(profile_json(account))
    # The change ended every login token, the caller's too: it carries on with this one.
    return jsonify({**profile_json(account), "token": accounts.login_token(ctx, account),
                    "expiresIn": ctx.settings.jwt_ttl})
