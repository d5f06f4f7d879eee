"""Helpers for the operator console tests: create operators as the CLI does and sign them
in through the console's pages, TOTP included."""

import html
import re
import secrets
from dataclasses import dataclass

import pyotp

from checkout.services import operators
from checkout.services.audit import Actor
from tests.support import unique_email

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
NEW_PASSWORD = "operator password 12"


def new_ip() -> tuple[str, int]:
    return (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}", 4000)


async def text(response) -> str:
    return html.unescape((await response.get_data()).decode())


async def csrf_token(client, url) -> str:
    page = await client.get(url)
    assert page.status_code == 200, url
    return CSRF.search(await text(page)).group(1)


async def submit(client, url, form: dict, token_from=None, ip=None):
    """Post a console form the way a browser does: with the CSRF token of its page."""
    token = await csrf_token(client, token_from or url)
    return await client.post(
        url, form={"csrf_token": token, **form}, scope_base={"client": ip or new_ip()}
    )


def code_at(secret: str, offset_steps: int = 0) -> str:
    """The TOTP code of the current 30-second step, or of a neighbouring one (which the
    server also accepts): each sign-in needs a step not used before."""
    totp = pyotp.TOTP(secret)
    import time

    return totp.at(time.time() + 30 * offset_steps)


@dataclass
class Operator:
    email: str
    role: str
    secret: str
    client: object  # a test client holding the operator's console cookie
    password: str = NEW_PASSWORD
    actor: Actor | None = None


async def create_operator(app, role: str) -> tuple[str, str]:
    """(email, one-time setup password), as `python -m checkout operators create` makes them."""
    ctx = app.app.extensions["checkout"]
    operator, setup_password = await operators.create_operator(ctx, unique_email("op"), role)
    return operator["email"], setup_password


async def signed_in_operator(app, role: str = "admin") -> Operator:
    """A new operator, through first sign-in and TOTP setup, signed in on its own client."""
    email, setup_password = await create_operator(app, role)
    client = app.test_client()
    first = await submit(client, "/admin/login", {"email": email, "password": setup_password})
    assert first.status_code == 303 and first.headers["Location"] == "/admin/setup"
    setup_page = await text(await client.get("/admin/setup"))
    secret = SECRET.search(setup_page).group(1)
    done = await submit(
        client,
        "/admin/setup",
        {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": code_at(secret)},
    )
    assert done.status_code == 303 and done.headers["Location"] == "/admin/", await text(done)
    ctx = app.app.extensions["checkout"]
    found = await ctx.db.operators.find_one({"email": email})
    return Operator(email, role, secret, client, actor=Actor(found["_id"], email, role))
