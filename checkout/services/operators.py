"""Operators of the gateway: accounts of their own, signed in to the console with a
password and a mandatory TOTP code, under the same kind of attempt limits as merchants.

First sign-in: `python -m checkout operators create` prints a one-time setup password,
good for SETUP_PASSWORD_TTL; with it the operator reaches the setup page only, which shows a
new TOTP secret (and its QR code), and sets a new password once a code from the
authenticator app matches. `operators reset` issues a new setup password (a lost phone, a
forgotten password); `operators disable` ends an operator's access for good."""

import asyncio
import secrets
from datetime import timedelta

from bson import ObjectId
from bson.errors import InvalidId

from .. import totp
from ..errors import InvalidCredentials, InvalidRequest, OperatorNotFound
from ..statuses import OperatorRole
from ..storage import operator_sessions as session_store
from ..storage import operators as operator_store
from . import Context, limits, utcnow
from .audit import Actor, operator_actor, record

CLI = Actor(None, "cli", OperatorRole.ADMIN)  # the operator commands, run on the server
SIGNED_IN = "signed-in"
SETUP = "setup"
SESSION_TTL = 8 * 3600
SETUP_TTL = 30 * 60
# A setup password travels by hand (chat, a note): it must not stay good for ever.
SETUP_PASSWORD_TTL = timedelta(hours=24)
WRONG = "Email, password or code is incorrect."
EXPIRED = "This setup password has expired. Ask an admin for a new one (operators reset)."


async def create_operator(ctx: Context, email: str, role: str) -> tuple[dict, str]:
    """A new operator with a one-time setup password (returned once, never stored clear)."""
    if role not in tuple(OperatorRole):
        raise InvalidRequest("role must be admin or support", field="role")
    setup_password = secrets.token_urlsafe(18)
    email = email.strip().lower()
    now = utcnow()
    operator = {
        "_id": ObjectId(),
        "email": email,
        "role": role,
        "password_hash": await asyncio.to_thread(ctx.passwords.hash, setup_password),
        "totp_secret": None,
        "created_at": now,
        "setup_expires_at": now + SETUP_PASSWORD_TTL,
    }
    await operator_store.insert_operator(ctx.db, operator)
    await record(ctx, CLI, "operator.create", email, role=role)
    return operator, setup_password


async def reset_operator(ctx: Context, email: str) -> tuple[dict, str]:
    """A new one-time setup password for an existing operator; TOTP must be enrolled again
    and the operator's signed-in sessions stop opening at once."""
    setup_password = secrets.token_urlsafe(18)
    password_hash = await asyncio.to_thread(ctx.passwords.hash, setup_password)
    email = email.strip().lower()
    await record(ctx, CLI, "operator.reset", email)  # first: never an unrecorded reset
    operator = await operator_store.reissue_setup(
        ctx.db, email, password_hash, utcnow() + SETUP_PASSWORD_TTL
    )
    if operator is None:
        raise OperatorNotFound()
    return operator, setup_password


async def disable_operator(ctx: Context, email: str) -> dict:
    """No more sign-ins, and the operator's open sessions stop opening."""
    email = email.strip().lower()
    await record(ctx, CLI, "operator.disable", email)
    operator = await operator_store.disable_operator(ctx.db, email, utcnow())
    if operator is None:
        raise OperatorNotFound()
    return operator


def setup_expired(operator: dict) -> bool:
    # Operators made before setup passwords expired have none: a day from their creation.
    expires = operator.get("setup_expires_at") or operator["created_at"] + SETUP_PASSWORD_TTL
    return bool(utcnow() >= expires)


async def sign_in(
    ctx: Context, email: str, password: str, code: str | None, client_ip: str
) -> tuple[dict, str, str]:
    """Check password and TOTP code (counted before either is checked). Returns
    (operator, new session token, stage): "signed-in", or "setup" for an operator who has
    not enrolled TOTP yet (then only the setup page opens)."""
    await limits.count_operator_login(ctx, email, client_ip)
    operator = await operator_store.find_operator_by_email(ctx.db, email)
    stored = operator["password_hash"] if operator else ctx.dummy_password_hash
    ok = await asyncio.to_thread(ctx.passwords.verify, stored, password)
    if operator is not None and ok and operator.get("totp_secret"):
        step = totp.matching_step(operator["totp_secret"], code, utcnow())
        ok = step is not None and await operator_store.claim_totp_step(
            ctx.db, operator["_id"], step
        )
    if operator is None or not ok or operator.get("disabled_at"):
        await record(ctx, Actor(None, email, "unknown", client_ip), "sign_in.failed", email)
        raise InvalidCredentials(WRONG)
    stage = SIGNED_IN if operator.get("totp_secret") else SETUP
    if stage == SETUP and setup_expired(operator):
        await record(ctx, operator_actor(operator, client_ip), "sign_in.setup_expired", email)
        raise InvalidCredentials(EXPIRED)
    await limits.clear_operator_login(ctx, email)
    token = await new_session(ctx, operator, stage)
    await record(ctx, operator_actor(operator, client_ip), f"sign_in.{stage}", email)
    return operator, token, stage


async def new_session(ctx: Context, operator: dict, stage: str) -> str:
    token = secrets.token_urlsafe(32)
    ttl = SESSION_TTL if stage == SIGNED_IN else SETUP_TTL
    await session_store.create_session(ctx.redis, token, str(operator["_id"]), stage, ttl)
    return token


async def session_operator(ctx: Context, token: str | None, stage: str) -> dict | None:
    """The operator of a live console session at `stage`, else None."""
    if not token:
        return None
    found = await session_store.find_session(ctx.redis, token)
    if found is None or found.get("stage") != stage:
        return None
    try:
        operator_id = ObjectId(found["operator_id"])
    except (InvalidId, KeyError):
        return None
    operator = await operator_store.find_operator(ctx.db, operator_id)
    if operator is None or operator.get("disabled_at"):
        return None
    if (stage == SIGNED_IN) != bool(operator.get("totp_secret")):
        return None
    return operator


async def pending_secret(ctx: Context, token: str) -> str:
    """The TOTP secret offered on the setup page: made once per setup session."""
    found = await session_store.find_session(ctx.redis, token) or {}
    secret = found.get("pending_totp")
    if not secret:
        secret = totp.new_secret()
        await session_store.set_field(ctx.redis, token, "pending_totp", secret)
    return secret


async def complete_setup(
    ctx: Context, operator: dict, token: str, new_password: str, code: str, client_ip: str
) -> str:
    """Enrol TOTP and replace the setup password; returns the signed-in session token."""
    await limits.count_operator_login(ctx, operator["email"], client_ip)
    secret = await pending_secret(ctx, token)
    step = totp.matching_step(secret, code, utcnow())
    if step is None:
        await record(ctx, operator_actor(operator, client_ip), "setup.failed", operator["email"])
        raise InvalidCredentials("The code does not match. Check the clock of your device.")
    password_hash = await asyncio.to_thread(ctx.passwords.hash, new_password)
    if not await operator_store.complete_enrollment(
        ctx.db, operator["_id"], password_hash, secret, utcnow()
    ):
        raise InvalidCredentials("This operator has already completed setup. Sign in.")
    await operator_store.claim_totp_step(ctx.db, operator["_id"], step)
    await limits.clear_operator_login(ctx, operator["email"])
    await session_store.delete_session(ctx.redis, token)
    await record(ctx, operator_actor(operator, client_ip), "setup.completed", operator["email"])
    return await new_session(ctx, operator, SIGNED_IN)


async def sign_out(ctx: Context, operator: dict, token: str, client_ip: str) -> None:
    await session_store.delete_session(ctx.redis, token)
    await record(ctx, operator_actor(operator, client_ip), "sign_out", operator["email"])


def anonymous_token() -> str:
    """A signed-out console cookie: keys the sign-in form's CSRF token, names no session."""
    return secrets.token_urlsafe(32)
