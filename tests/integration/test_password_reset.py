"""Password reset by mail, end to end over HTTP with a real SMTP server (aiosmtpd)."""

import asyncio
import re
from datetime import timedelta

import pytest

from checkout.services import utcnow
from tests.integration.test_dashboard import auth_cookie, get_with_cookie, sign_in, submit, text
from tests.mail_support import send_queued_mail, text_part
from tests.support import body, call, register

NEW_PASSWORD = "a brand new secret 7"
LINK = re.compile(r"http://checkout\.test/dashboard/reset-password\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


async def ask_reset(client, email, ip="198.51.100.7"):
    return await client.post(
        "/api/v1/org/password-reset", json={"email": email}, scope_base={"client": (ip, 4000)}
    )


async def mailed_token(app, catcher, email) -> str:
    await send_queued_mail(app, catcher)
    mails = catcher.to(email, "Reset your")
    assert mails, f"no reset mail to {email}"
    return LINK.search(text_part(mails[-1])).group(1)


async def confirm(client, token, password=NEW_PASSWORD):
    return await call(
        client,
        "POST",
        "/api/v1/org/password-reset/confirm",
        {"token": token, "password": password},
    )


async def login(client, email, password):
    return await call(client, "POST", "/api/v1/org/login", {"email": email, "password": password})


async def test_reset_end_to_end_and_the_old_password_and_tokens_stop_working(
    client, app, ctx, mail_catcher
):
    merchant = await register(client, "Forgetful Merchant")
    known = await ask_reset(client, merchant["email"])
    unknown = await ask_reset(client, "nobody-here@example.com")
    # The same answer either way: the endpoint tells nobody which emails exist.
    assert known.status_code == unknown.status_code == 202
    assert await body(known) == await body(unknown) == {"status": "accepted"}

    token = await mailed_token(app, mail_catcher, merchant["email"])
    assert mail_catcher.to("nobody-here@example.com") == []
    # Only a hash of the token is stored, and the sent mail's link is not kept either.
    stored = await ctx.db.mail_tokens.find_one({"purpose": "password_reset"})
    assert stored["_id"] != token and token not in str(stored)
    outbox = await ctx.db.mail_outbox.find({"to": merchant["email"]}).to_list(None)
    assert all(token not in str(message) for message in outbox)

    confirmed = await confirm(client, token)
    assert confirmed.status_code == 200, await confirmed.get_data()
    assert (await login(client, merchant["email"], merchant["password"])).status_code == 401
    assert (await login(client, merchant["email"], NEW_PASSWORD)).status_code == 200
    # The login token issued before the reset has ended.
    profile = await call(client, "GET", "/api/v1/org/profile", headers=merchant["headers"])
    assert profile.status_code == 401
    # The link works once.
    again = await confirm(client, token, "yet another secret 9")
    assert again.status_code == 400
    assert (await body(again))["error"]["code"] == "invalid_token"


async def test_an_expired_link_is_refused(client, app, ctx, mail_catcher):
    merchant = await register(client, "Slow Merchant")
    await ask_reset(client, merchant["email"])
    token = await mailed_token(app, mail_catcher, merchant["email"])
    await ctx.db.mail_tokens.update_many(  # 31 minutes later
        {"purpose": "password_reset"}, {"$set": {"expires_at": utcnow() - timedelta(minutes=1)}}
    )
    expired = await confirm(client, token)
    assert expired.status_code == 400
    assert (await body(expired))["error"]["code"] == "invalid_token"
    assert (await login(client, merchant["email"], merchant["password"])).status_code == 200


async def test_a_newer_reset_retires_the_older_link_and_two_uses_at_once_win_once(
    client, app, mail_catcher
):
    merchant = await register(client, "Racing Merchant")
    await ask_reset(client, merchant["email"])
    first = await mailed_token(app, mail_catcher, merchant["email"])
    await ask_reset(client, merchant["email"])
    second = await mailed_token(app, mail_catcher, merchant["email"])
    assert first != second
    results = await asyncio.gather(*(confirm(client, second, f"password {n} ok") for n in range(6)))
    assert sorted(r.status_code for r in results) == [200] + [400] * 5
    # Using one link retired every other link of the account.
    assert (await confirm(client, first)).status_code == 400


async def test_reset_requests_are_rate_limited(client, app, ctx, mail_catcher):
    merchant = await register(client, "Spammed Merchant")
    # Per email: at most 3 mails an hour, however many addresses ask (each still 202).
    answers = [await ask_reset(client, merchant["email"], f"203.0.113.{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [202] * 5
    await send_queued_mail(app, mail_catcher)
    assert len(mail_catcher.to(merchant["email"], "Reset your")) == 3
    # Per client address: 10 requests an hour, for any emails.
    answers = [await ask_reset(client, f"x{n}@example.com", "192.0.2.50") for n in range(11)]
    assert [a.status_code for a in answers] == [202] * 10 + [429]
    assert (await body(answers[-1]))["error"]["code"] == "rate_limited"


async def test_dashboard_forgot_and_reset_pages_end_the_signed_in_session(
    client, app, mail_catcher
):
    merchant = await register(client, "Dashboard Forgetter")
    signed_in = await sign_in(app.test_client(), merchant)
    cookie = auth_cookie(signed_in)
    assert (await get_with_cookie(app, "/dashboard/", cookie)).status_code == 200

    login_page = await text(await client.get("/dashboard/login"))
    assert 'href="/dashboard/forgot-password"' in login_page
    sent = await submit(client, "/dashboard/forgot-password", {"email": merchant["email"]})
    assert sent.status_code == 200
    assert "Check your mail" in await text(sent)
    token = await mailed_token(app, mail_catcher, merchant["email"])

    page = await client.get(f"/dashboard/reset-password?token={token}")
    assert f'value="{token}"' in await text(page)
    mismatch = await submit(
        client,
        "/dashboard/reset-password",
        {"token": token, "new_password": NEW_PASSWORD, "confirm": "something else"},
        token_from=f"/dashboard/reset-password?token={token}",
    )
    assert mismatch.status_code == 400
    assert "The two new passwords differ." in await text(mismatch)
    done = await submit(
        client,
        "/dashboard/reset-password",
        {"token": token, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from=f"/dashboard/reset-password?token={token}",
    )
    assert done.status_code == 303
    assert done.headers["Location"] == "/dashboard/login"
    # The session signed in before the reset is over.
    ended = await get_with_cookie(app, "/dashboard/", cookie)
    assert ended.status_code == 303
    reused = await submit(
        client,
        "/dashboard/reset-password",
        {"token": token, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        token_from=f"/dashboard/reset-password?token={token}",
    )
    assert reused.status_code == 400
    assert "invalid, expired or already used" in await text(reused)
