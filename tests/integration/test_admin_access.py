"""Who can open the operator console: walk the URL map so a route added later without
@operator_required fails here. Only an operator signed in with password AND TOTP gets in;
a merchant's dashboard cookie or API token opens nothing; support cannot top up."""

import re

from checkout.storage import rate_limits
from tests.integration.admin_support import (
    NEW_PASSWORD,
    code_at,
    create_operator,
    csrf_token,
    signed_in_operator,
    submit,
    text,
)
from tests.integration.test_dashboard import sign_in as dashboard_sign_in
from tests.support import register

OPEN_ROUTES = {"/admin/login", "/admin/setup"}


def admin_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")]


async def assert_every_route_refused(app, client, headers=None) -> int:
    checked = 0
    for rule in admin_rules(app.app):
        if rule.rule in OPEN_ROUTES:
            continue
        url = re.sub(r"<[^>]+>", "anything", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = await client.open(url, method=method, form={"x": "1"}, headers=headers)
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["Location"] == "/admin/login", (method, url)
            checked += 1
    return checked


async def test_every_console_route_needs_an_operator_signed_in_with_totp(app, client):
    assert len(admin_rules(app.app)) >= 8  # the walk really sees the console
    assert await assert_every_route_refused(app, client) >= 6

    # A merchant signed in to the dashboard, with its API token too: nothing opens.
    merchant = await register(client)
    await dashboard_sign_in(client, merchant)
    assert (await client.get("/dashboard/")).status_code == 200
    assert await assert_every_route_refused(app, client, merchant["headers"]) >= 6

    # An operator past the setup password but without TOTP enrolled: only /admin/setup.
    email, setup_password = await create_operator(app, "admin")
    halfway = app.test_client()
    first = await submit(halfway, "/admin/login", {"email": email, "password": setup_password})
    assert first.headers["Location"] == "/admin/setup"
    assert (await halfway.get("/admin/setup")).status_code == 200
    assert await assert_every_route_refused(app, halfway) >= 6


async def test_password_without_the_code_is_refused_and_counted(app):
    operator = await signed_in_operator(app)
    ctx = app.app.extensions["checkout"]
    browser = app.test_client()
    for code in ("", "000000", code_at(operator.secret, -5)):
        refused = await submit(
            browser,
            "/admin/login",
            {"email": operator.email, "password": NEW_PASSWORD, "code": code},
        )
        assert refused.status_code == 401
        assert "Email, password or code is incorrect." in await text(refused)
    count, _ = await rate_limits.record_attempt(
        ctx.redis, "operator-login-email", operator.email, 900
    )
    assert count == 4  # three counted failures, plus this probe
    assert (await browser.get("/admin/")).status_code == 303
    ok = await submit(
        browser,
        "/admin/login",
        {"email": operator.email, "password": NEW_PASSWORD, "code": code_at(operator.secret, 1)},
    )
    assert ok.status_code == 303 and ok.headers["Location"] == "/admin/"
    assert (await browser.get("/admin/")).status_code == 200
    # The same code again (e.g. replayed from a log) is refused, even with the password.
    again = await submit(
        app.test_client(),
        "/admin/login",
        {"email": operator.email, "password": NEW_PASSWORD, "code": code_at(operator.secret, 1)},
    )
    assert again.status_code == 401


async def test_sign_in_is_locked_after_ten_attempts(app):
    operator = await signed_in_operator(app)
    browser = app.test_client()
    for _ in range(10):
        await submit(
            browser,
            "/admin/login",
            {"email": operator.email, "password": "wrong password!", "code": "123456"},
        )
    locked = await submit(
        browser,
        "/admin/login",
        {"email": operator.email, "password": NEW_PASSWORD, "code": code_at(operator.secret, 1)},
    )
    assert locked.status_code == 429
    assert "Retry-After" in locked.headers


async def test_support_reads_but_cannot_top_up_or_approve(app, client):
    support = await signed_in_operator(app, "support")
    merchant = await register(client)
    assert (await support.client.get("/admin/topups")).status_code == 200
    refused = await submit(
        support.client,
        "/admin/topups",
        {"wallet": merchant["walletCode"], "amount": "5.00", "reference": "sup-1"},
        token_from="/admin/topups",
    )
    assert refused.status_code == 403
    assert "operator_role_required" in await text(refused)
    decide = await submit(
        support.client, "/admin/topups/tu_x/approve", {}, token_from="/admin/topups"
    )
    assert decide.status_code == 403
    ctx = app.app.extensions["checkout"]
    assert await ctx.db.topups.count_documents({}) == 0


async def test_console_forms_refuse_a_missing_or_foreign_csrf_token(app, client):
    admin = await signed_in_operator(app)
    merchant = await register(client)
    for token in ("", "x" * 64):
        refused = await admin.client.post(
            "/admin/topups",
            form={
                "csrf_token": token,
                "wallet": merchant["walletCode"],
                "amount": "1",
                "reference": "csrf-1",
            },
        )
        assert refused.status_code == 400
    # A token from another operator's console page is not valid in this browser.
    other = await signed_in_operator(app)
    foreign_token = await csrf_token(other.client, "/admin/topups")
    foreign = await admin.client.post(
        "/admin/topups",
        form={
            "csrf_token": foreign_token,
            "wallet": merchant["walletCode"],
            "amount": "1",
            "reference": "csrf-2",
        },
    )
    assert foreign.status_code == 400
    ctx = app.app.extensions["checkout"]
    assert await ctx.db.topups.count_documents({}) == 0


async def test_setup_password_works_once(app):
    email, setup_password = await create_operator(app, "support")
    operator = await signed_in_operator(app, "support")
    assert operator.email != email
    browser = app.test_client()
    first = await submit(browser, "/admin/login", {"email": email, "password": setup_password})
    assert first.headers["Location"] == "/admin/setup"
    page = await text(await browser.get("/admin/setup"))
    assert "otpauth://totp/" in page and "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = await submit(
        browser,
        "/admin/setup",
        {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": "000000"},
    )
    assert wrong.status_code == 401
    done = await submit(
        browser,
        "/admin/setup",
        {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "code": code_at(secret)},
    )
    assert done.headers["Location"] == "/admin/"
    again = await submit(
        app.test_client(), "/admin/login", {"email": email, "password": setup_password}
    )
    assert again.status_code == 401
