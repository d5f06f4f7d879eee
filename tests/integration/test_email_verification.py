"""Email verification with EMAIL_VERIFICATION_REQUIRED on (the other tests run with it
off): sign-up mails a link; until it is used the account can sign in and take payments,
but withdrawing and creating API keys answer 403 email_not_verified."""

import re
from decimal import Decimal

import pytest

from tests.integration.money_out_support import PIN, withdraw
from tests.integration.test_dashboard import sign_in, submit, text
from tests.mail_support import send_queued_mail, text_part
from tests.support import body, call, create_session, register, unique_email

LINK = re.compile(r"http://checkout\.test/dashboard/verify-email\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
def settings(settings):
    return settings.replace(email_verification_required=True)


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


async def verification_token(app, catcher, email) -> str:
    await send_queued_mail(app, catcher)
    mails = catcher.to(email, "Confirm your email")
    assert mails, f"no verification mail to {email}"
    return LINK.search(text_part(mails[-1])).group(1)


async def create_key(client, account):
    return await call(client, "POST", "/api/v1/keys", {"label": "server"}, account["headers"])


async def profile(client, account):
    return await body(await call(client, "GET", "/api/v1/org/profile", headers=account["headers"]))


async def verify(client, token):
    return await call(client, "POST", "/api/v1/org/verify-email", {"token": token})


async def test_unverified_accounts_take_payments_but_cannot_withdraw_or_make_keys(
    client, app, mail_catcher
):
    merchant = await register(client, "Unverified Merchant", pin=PIN)
    assert (await profile(client, merchant))["emailVerified"] is False
    assert (await create_session(client, merchant, Decimal("5.00")))["status"] == "open"
    for refused in (
        await withdraw(client, merchant, Decimal("5.00")),
        await create_key(client, merchant),
    ):
        assert refused.status_code == 403
        assert (await body(refused))["error"]["code"] == "email_not_verified"

    token = await verification_token(app, mail_catcher, merchant["email"])
    verified = await verify(client, token)
    assert verified.status_code == 200
    assert (await body(verified))["emailVerified"] is True
    assert (await withdraw(client, merchant, Decimal("5.00"))).status_code == 201
    assert (await create_key(client, merchant)).status_code == 201
    reused = await verify(client, token)
    assert reused.status_code == 400
    assert (await body(reused))["error"]["code"] == "invalid_token"


async def test_changing_the_email_verifies_the_new_address_again(client, app, mail_catcher):
    merchant = await register(client, "Moving Merchant", pin=PIN)
    first = await verification_token(app, mail_catcher, merchant["email"])
    assert (await verify(client, first)).status_code == 200
    new_email = unique_email("moved")
    changed = await call(
        client,
        "PUT",
        "/api/v1/org/profile",
        {"email": new_email, "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert changed.status_code == 200
    changed_body = await body(changed)
    assert changed_body["emailVerified"] is False
    merchant["headers"] = {"Authorization": f"Bearer {changed_body['token']}"}
    refused = await withdraw(client, merchant, Decimal("5.00"))
    assert (await body(refused))["error"]["code"] == "email_not_verified"

    token = await verification_token(app, mail_catcher, new_email)
    assert (await verify(client, token)).status_code == 200
    assert (await withdraw(client, merchant, Decimal("5.00"))).status_code == 201


async def test_a_link_to_a_previous_address_no_longer_verifies(client, app, mail_catcher):
    merchant = await register(client, "Fickle Merchant")
    old_link = await verification_token(app, mail_catcher, merchant["email"])
    changed = await call(
        client,
        "PUT",
        "/api/v1/org/profile",
        {"email": unique_email("fickle"), "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert changed.status_code == 200
    assert (await verify(client, old_link)).status_code == 400


async def test_accounts_from_before_verification_count_as_verified(client, ctx):
    merchant = await register(client, "Legacy Merchant", pin=PIN)
    await ctx.db.accounts.update_one(
        {"user_code": merchant["userCode"]}, {"$unset": {"email_verified_at": ""}}
    )
    assert (await withdraw(client, merchant, Decimal("5.00"))).status_code == 201


async def test_dashboard_banner_resend_and_confirm_page(client, app, mail_catcher):
    merchant = await register(client, "Dashboard Verifier")
    await sign_in(client, merchant)
    overview = await text(await client.get("/dashboard/"))
    assert "Confirm your email" in overview
    refused = await submit(client, "/dashboard/keys", {"label": "server"})
    assert refused.status_code == 403
    assert "Verify your account" in await text(refused)

    resent = await submit(client, "/dashboard/verify-email/resend", {}, token_from="/dashboard/")
    assert resent.status_code == 303
    await send_queued_mail(app, mail_catcher)
    assert len(mail_catcher.to(merchant["email"], "Confirm your email")) == 2
    token = await verification_token(app, mail_catcher, merchant["email"])
    page = f"/dashboard/verify-email?token={token}"
    # Opening the link changes nothing (mail scanners open links); its button verifies.
    assert f'value="{token}"' in await text(await client.get(page))
    assert (await profile(client, merchant))["emailVerified"] is False
    done = await submit(client, "/dashboard/verify-email", {"token": token}, token_from=page)
    assert done.status_code == 303
    assert (await profile(client, merchant))["emailVerified"] is True
    assert "Confirm your email" not in await text(await client.get("/dashboard/"))


async def test_the_banner_resend_and_confirm_flashes_in_french(client, app, mail_catcher):
    """Issue 13: the banner, its resend flash and the confirm page's flash in French."""
    merchant = await register(client, "Vérificateur")
    await sign_in(client, merchant)
    overview = await text(await client.get("/dashboard/?lang=fr"))
    assert "Confirmez votre adresse e-mail : nous avons envoyé un lien à" in overview
    assert f"<strong><bdi>{merchant['email']}</bdi></strong>" in overview
    assert ">Envoyer un nouveau lien</button>" in overview

    resent = await submit(client, "/dashboard/verify-email/resend", {}, token_from="/dashboard/")
    assert resent.status_code == 303
    page = await text(await client.get(resent.headers["Location"]))
    assert f"Nous avons envoyé un nouveau lien à {merchant['email']}." in page

    await send_queued_mail(app, mail_catcher)
    token = await verification_token(app, mail_catcher, merchant["email"])
    link = f"/dashboard/verify-email?token={token}"
    assert "<h1>Confirmez votre adresse e-mail</h1>" in await text(await client.get(link))
    done = await submit(client, "/dashboard/verify-email", {"token": token}, token_from=link)
    assert done.status_code == 303
    page = await text(await client.get(done.headers["Location"]))
    assert (
        "Adresse e-mail confirmée. Les retraits et les clés d’API vous sont désormais ouverts."
        in page
    )
    assert "Confirmez votre adresse e-mail :" not in page
