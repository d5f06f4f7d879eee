"""Accounts: register, login, profile — the original API's paths and names."""

import json
from decimal import Decimal

import pytest

from tests.support import body, call, register, unique_email

REGISTER = "/api/v1/org/register"
LOGIN = "/api/v1/org/login"
PROFILE = "/api/v1/org/profile"


def registration(**overrides):
    return {
        "organization": "Acme Coffee",
        "email": unique_email(),
        "password": "correct horse 1",
        "category": "food",
        **overrides,
    }


async def test_register_creates_account_wallet_and_welcome_credit(client, app):
    payload = registration(pin="135790")
    response = await call(client, "POST", REGISTER, payload)
    assert response.status_code == 201
    data = await body(response)
    assert data["userCode"].startswith("usr-")
    assert data["walletCode"].startswith("wllt-")
    assert data["merchant"] == "Acme Coffee"
    assert data["email"] == payload["email"]
    assert data["balance"] == Decimal("1000.00")
    assert data["pin"] == "135790"

    db = app.app.extensions["checkout"].db
    account = await db.accounts.find_one({"user_code": data["userCode"]})
    wallet = await db.wallets.find_one({"code": data["walletCode"]})
    assert account["password_hash"].startswith("$argon2id$")
    assert "correct horse" not in str(account)
    assert wallet["balance"] == 100000 and isinstance(wallet["balance"], int)
    assert "135790" not in str(wallet)  # only the keyed hash is stored
    entry = await db.journal.find_one({"postings.account": data["walletCode"]})
    assert entry["kind"] == "welcome_credit"
    assert sum(p["amount"] for p in entry["postings"]) == 0


async def test_register_generates_a_pin_when_none_is_given(client):
    data = await body(await call(client, "POST", REGISTER, registration()))
    assert len(data["pin"]) == 6 and data["pin"].isdigit()


async def test_email_is_unique_case_insensitively(client):
    payload = registration()
    assert (await call(client, "POST", REGISTER, payload)).status_code == 201
    again = await call(client, "POST", REGISTER, {**payload, "email": payload["email"].upper()})
    assert again.status_code == 409
    assert (await body(again))["error"]["code"] == "email_taken"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"organization": None}, "organization"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"password": {"$ne": None}}, "password"),
        ({"organization": {"$gt": ""}}, "organization"),
        ({"category": ""}, "category"),
        ({"pin": "12ab56"}, "pin"),
        ({"pin": 123456}, "pin"),
    ],
)
async def test_register_rejects_bad_input(client, change, field):
    payload = {k: v for k, v in {**registration(), **change}.items() if v is not None}
    response = await call(client, "POST", REGISTER, payload)
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]


async def test_missing_fields_are_named(client):
    response = await call(client, "POST", REGISTER, {"email": unique_email()})
    error = (await body(response))["error"]
    assert response.status_code == 400
    assert error["fields"] == ["organization", "password", "category"]


@pytest.mark.parametrize("raw", [b"{", b"[1,2]", b"", b"null", b'{"a": NaN}', b"\xff\xfe"])
async def test_malformed_json_is_a_400(client, raw):
    response = await call(client, "POST", REGISTER, raw=raw)
    assert response.status_code == 400
    assert (await body(response))["error"]["code"] == "invalid_json"


async def test_login_answers_the_original_fields_and_a_jwt(client):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        LOGIN,
        {"email": merchant["email"].upper(), "password": merchant["password"]},
    )
    data = await body(response)
    assert response.status_code == 200
    assert set(data) >= {"userCode", "merchant", "email", "balance", "walletCode", "token"}
    assert data["balance"] == Decimal("1000.00")
    assert data["token"].count(".") == 2


@pytest.mark.parametrize(
    "credentials",
    [
        {"password": "wrong password"},
        {"email": "nobody@example.com"},
    ],
)
async def test_login_refuses_wrong_credentials_alike(client, credentials):
    merchant = await register(client)
    payload = {"email": merchant["email"], "password": merchant["password"], **credentials}
    response = await call(client, "POST", LOGIN, payload)
    assert response.status_code == 401
    assert (await body(response))["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize(
    "payload",
    [
        {"email": {"$ne": None}, "password": {"$ne": None}},
        {"email": {"$gt": ""}, "password": "x"},
        {"email": "a@b.co", "password": {"$ne": None}},
    ],
)
async def test_nosql_operators_never_log_anyone_in(client, payload):
    await register(client)
    response = await call(client, "POST", LOGIN, payload)
    assert response.status_code == 400
    assert "token" not in (await response.get_data(as_text=True))


async def test_profile_needs_a_valid_bearer_token(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = await call(client, "GET", PROFILE, headers=headers)
        assert response.status_code == 401
        assert (await body(response))["error"]["code"] == "unauthenticated"


async def test_read_and_update_profile(client):
    merchant = await register(client)
    profile = await body(await call(client, "GET", PROFILE, headers=merchant["headers"]))
    assert profile["userCode"] == merchant["userCode"]
    assert profile["organization"] == "Acme Coffee" and profile["category"] == "food"
    assert "password" not in str(profile) and "pin" not in profile

    response = await call(
        client,
        "PUT",
        PROFILE,
        {"organization": "Acme Tea", "category": "drinks"},
        merchant["headers"],
    )
    assert response.status_code == 200
    assert (await body(response))["organization"] == "Acme Tea"


async def test_changing_password_needs_the_current_one_and_rehashes(client):
    merchant = await register(client)
    no_current = await call(
        client, "PUT", PROFILE, {"password": "a new long password"}, merchant["headers"]
    )
    assert no_current.status_code == 400
    wrong = await call(
        client,
        "PUT",
        PROFILE,
        {"password": "a new long password", "currentPassword": "wrong"},
        merchant["headers"],
    )
    assert wrong.status_code == 401
    ok = await call(
        client,
        "PUT",
        PROFILE,
        {"password": "a new long password", "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert ok.status_code == 200
    old = await call(
        client, "POST", LOGIN, {"email": merchant["email"], "password": merchant["password"]}
    )
    new = await call(
        client, "POST", LOGIN, {"email": merchant["email"], "password": "a new long password"}
    )
    assert old.status_code == 401 and new.status_code == 200


async def test_email_change_to_a_taken_email_is_a_409(client):
    first, second = await register(client), await register(client)
    response = await call(
        client,
        "PUT",
        PROFILE,
        {"email": first["email"], "currentPassword": second["password"]},
        second["headers"],
    )
    assert response.status_code == 409


async def test_profile_update_rejects_bad_input(client):
    merchant = await register(client)
    for payload in ({}, {"organization": {"$set": 1}}, {"email": "bad"}, {"category": 5}):
        response = await call(client, "PUT", PROFILE, payload, merchant["headers"])
        assert response.status_code == 400, payload


async def test_unknown_route_and_method_answer_json(client):
    missing = await call(client, "GET", "/api/v1/nope")
    assert missing.status_code == 404
    assert (await body(missing))["error"]["code"] == "not_found"
    wrong_method = await call(client, "DELETE", REGISTER)
    assert wrong_method.status_code == 405
    assert (await body(wrong_method))["error"]["code"] == "method_not_allowed"


async def test_oversized_body_is_a_413(client):
    response = await call(client, "POST", REGISTER, raw=b'{"a":"' + b"x" * 70000 + b'"}')
    assert response.status_code == 413


LONE_SURROGATE = "correct horse \ud800"  # sent as the JSON escape \ud800: not encodable text


@pytest.mark.parametrize(
    "path, method, payload, field",
    [
        (REGISTER, "POST", {"password": LONE_SURROGATE}, "password"),
        (LOGIN, "POST", {"password": LONE_SURROGATE}, "password"),
        (PROFILE, "PUT", {"password": LONE_SURROGATE}, "password"),
        (
            PROFILE,
            "PUT",
            {"password": "a new long password", "currentPassword": LONE_SURROGATE},
            "currentPassword",
        ),
    ],
)
async def test_lone_surrogate_in_a_password_is_a_400_naming_the_field(
    client, path, method, payload, field
):
    merchant = await register(client)
    if path == LOGIN:
        base = {"email": merchant["email"]}
    elif path == REGISTER:
        base = {"organization": "Acme", "email": unique_email(), "category": "food"}
    else:  # unknown parameters are refused, so each route gets only its own
        base = {"currentPassword": merchant["password"]}
    raw = json.dumps({**base, **payload}).encode()  # ensure_ascii: the text carries \ud800
    assert b"\\ud800" in raw
    response = await call(client, method, path, raw=raw, headers=merchant["headers"])
    assert response.status_code == 400, await response.get_data()
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request" and error["field"] == field
