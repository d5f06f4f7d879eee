"""An operator's access over time: the setup password expires, `operators reset` issues a
new one (TOTP enrolled again), `operators disable` ends access; each is audited."""

from datetime import timedelta

from checkout.services import operators, utcnow
from tests.integration.admin_support import (
    NEW_PASSWORD,
    code_at,
    create_operator,
    signed_in_operator,
    submit,
    text,
)
from tests.integration.money_out_support import checkout_command


async def audited(ctx, email: str) -> list[str]:
    return [e["action"] async for e in ctx.db.audit_log.find({"target": email}).sort("_id", 1)]


async def test_a_setup_password_expires(app):
    ctx = app.app.extensions["checkout"]
    email, setup_password = await create_operator(app, "admin")
    await ctx.db.operators.update_one(
        {"email": email}, {"$set": {"setup_expires_at": utcnow() - timedelta(seconds=1)}}
    )
    browser = app.test_client()
    refused = await submit(browser, "/admin/login", {"email": email, "password": setup_password})
    assert refused.status_code == 401
    assert "This setup password has expired." in await text(refused)
    assert (await browser.get("/admin/setup")).status_code == 303  # no setup session
    assert "sign_in.setup_expired" in await audited(ctx, email)


async def test_reset_ends_the_sessions_and_starts_setup_again(app):
    ctx = app.app.extensions["checkout"]
    operator = await signed_in_operator(app)
    assert (await operator.client.get("/admin/")).status_code == 200

    found, setup_password = await operators.reset_operator(ctx, operator.email.upper())

    assert found["totp_secret"] is None
    assert (await operator.client.get("/admin/")).status_code == 303  # signed out at once
    browser = app.test_client()
    old = await submit(
        browser,
        "/admin/login",
        {"email": operator.email, "password": NEW_PASSWORD, "code": code_at(operator.secret, 1)},
    )
    assert old.status_code == 401
    fresh = await submit(
        browser, "/admin/login", {"email": operator.email, "password": setup_password}
    )
    assert fresh.status_code == 303 and fresh.headers["Location"] == "/admin/setup"
    assert "operator.reset" in await audited(ctx, operator.email)


async def test_a_disabled_operator_is_out_for_good(app):
    ctx = app.app.extensions["checkout"]
    operator = await signed_in_operator(app)
    await operators.disable_operator(ctx, operator.email)

    assert (await operator.client.get("/admin/")).status_code == 303
    refused = await submit(
        app.test_client(),
        "/admin/login",
        {"email": operator.email, "password": NEW_PASSWORD, "code": code_at(operator.secret, 1)},
    )
    assert refused.status_code == 401
    assert "Email, password or code is incorrect." in await text(refused)
    assert "operator.disable" in await audited(ctx, operator.email)


async def test_the_commands(app, store_env):
    email, _ = await create_operator(app, "support")
    code, out, err = await checkout_command(store_env, "operators", "reset", email)
    assert code == 0, err
    assert f"operator {email} (support) reset." in out and "within 24 h" in out
    [line] = [row for row in out.splitlines() if row.startswith("one-time setup password: ")]
    setup_password = line.removeprefix("one-time setup password: ")
    first = await submit(
        app.test_client(), "/admin/login", {"email": email, "password": setup_password}
    )
    assert first.headers["Location"] == "/admin/setup"

    code, out, err = await checkout_command(store_env, "operators", "disable", email)
    assert code == 0 and "disabled" in out, err
    code, _, err = await checkout_command(store_env, "operators", "disable", "nobody@example.com")
    assert code == 1 and "not disabled: No operator has this email." in err
