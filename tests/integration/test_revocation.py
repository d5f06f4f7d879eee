"""A password or email change ends every login token and dashboard session issued before it,
so a stolen token or cookie dies with the old credentials."""

import pytest

from tests.integration.test_dashboard import auth_cookie, get_with_cookie, sign_in, submit, text
from tests.support import body, call, register

PROFILE = "/api/v1/org/profile"


async def login_token(client, email, password) -> str:
    response = await call(
        client, "POST", "/api/v1/org/login", {"email": email, "password": password}
    )
    assert response.status_code == 200
    return (await body(response))["token"]


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("change", ["password", "email"])
async def test_an_api_credential_change_ends_old_tokens_and_dashboard_sessions(app, client, change):
    merchant = await register(client)
    other_token = await login_token(client, merchant["email"], merchant["password"])
    stolen_cookie = auth_cookie(await sign_in(app.test_client(), merchant))
    assert (await get_with_cookie(app, "/dashboard/", stolen_cookie)).status_code == 200

    new_value = "a new password 2" if change == "password" else "new-" + merchant["email"]
    changed = await call(
        client,
        "PUT",
        PROFILE,
        {change: new_value, "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert changed.status_code == 200, await changed.get_data()
    fresh = (await body(changed))["token"]  # the caller carries on with a new token

    for old in (merchant["token"], other_token):
        refused = await call(client, "GET", PROFILE, headers=bearer(old))
        assert refused.status_code == 401
        assert (await body(refused))["error"]["code"] == "unauthenticated"
    assert (await get_with_cookie(app, "/dashboard/", stolen_cookie)).status_code == 303
    assert (await call(client, "GET", PROFILE, headers=bearer(fresh))).status_code == 200
    email = new_value if change == "email" else merchant["email"]
    password = new_value if change == "password" else merchant["password"]
    relogged = await login_token(client, email, password)
    assert (await call(client, "GET", PROFILE, headers=bearer(relogged))).status_code == 200


async def test_a_change_that_touches_no_credential_keeps_tokens(client):
    merchant = await register(client)
    renamed = await call(client, "PUT", PROFILE, {"organization": "Renamed"}, merchant["headers"])
    assert renamed.status_code == 200 and "token" not in await body(renamed)
    assert (await call(client, "GET", PROFILE, headers=merchant["headers"])).status_code == 200


@pytest.mark.parametrize("change", ["password", "email"])
async def test_a_dashboard_credential_change_rotates_this_session_and_ends_the_rest(
    app, client, change
):
    merchant = await register(client)
    mine = auth_cookie(await sign_in(client, merchant))
    other_browser = auth_cookie(await sign_in(app.test_client(), merchant))
    if change == "password":
        response = await submit(
            client,
            "/dashboard/profile/password",
            {
                "current_password": merchant["password"],
                "new_password": "a new secret 1",
                "confirm": "a new secret 1",
            },
            token_from="/dashboard/profile",
        )
    else:
        response = await submit(
            client,
            "/dashboard/profile",
            {
                "organization": "Acme",
                "email": "new-" + merchant["email"],
                "category": "food",
                "current_password": merchant["password"],
            },
        )
    assert response.status_code == 303, await text(response)

    still_in = await client.get("/dashboard/profile")
    assert still_in.status_code == 200  # this browser stays signed in...
    assert auth_cookie(response) != mine  # ...on a new session id
    assert (await get_with_cookie(app, "/dashboard/", mine)).status_code == 303
    assert (await get_with_cookie(app, "/dashboard/", other_browser)).status_code == 303
    assert (await call(client, "GET", PROFILE, headers=merchant["headers"])).status_code == 401
