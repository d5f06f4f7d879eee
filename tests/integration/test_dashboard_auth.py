"""Every dashboard route except the sign-in page must be unreachable signed out:
walk the URL map so a route added later without @signed_in fails here."""

import re

from tests.support import register

OPEN_ROUTES = {
    "/dashboard/login",
    "/dashboard/signup",
    # Reached from mailed links, signed out: each needs its single-use token.
    "/dashboard/forgot-password",
    "/dashboard/reset-password",
    "/dashboard/verify-email",
}


def dashboard_rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/dashboard")]


async def test_every_dashboard_route_redirects_to_sign_in_when_signed_out(app, client):
    rules = dashboard_rules(app.app)
    assert len(rules) >= 15  # the walk really sees the dashboard
    checked = 0
    for rule in rules:
        if rule.rule in OPEN_ROUTES:
            continue
        url = re.sub(r"<[^>]+>", "anything", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = await client.open(url, method=method, form={"x": "1"})
            assert response.status_code == 303, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/dashboard/login"), (method, url)
            checked += 1
    assert checked >= 15


async def test_a_forged_or_ended_session_cookie_is_not_signed_in(app, client):
    merchant = await register(client)
    # A cookie signed with our key but naming no live server-side session: e.g. one
    # whose session was ended by sign-out, or made up from an account id.
    from quart_auth import authenticated_client

    account = await app.app.extensions["checkout"].db.accounts.find_one(
        {"user_code": merchant["userCode"]}
    )
    async with authenticated_client(client, str(account["_id"])):
        response = await client.get("/dashboard/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/dashboard/login")


async def test_sign_in_page_is_reachable_and_not_cached(client):
    response = await client.get("/dashboard/login")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
