"""Secret API keys: created with a login JWT (or in the dashboard, never with another key),
shown once, stored only as a hash, accepted wherever a JWT is, and refused (401) the moment
they are revoked."""

import hashlib
import re
from decimal import Decimal

from tests import live
from tests.support import body, call, register

KEYS = "/api/v1/keys"


async def test_create_use_list_and_revoke_a_key(app, client):
    merchant = await register(client)
    created = await call(client, "POST", KEYS, {"label": "Shop server"}, merchant["headers"])
    assert created.status_code == 201
    key = await body(created)
    secret = key["secret"]
    assert re.fullmatch(r"sk_[0-9A-Za-z]{43}", secret)
    assert key["prefix"] == secret[:11] and key["label"] == "Shop server"
    assert key["lastUsedAt"] is None and key["revokedAt"] is None

    # Only the SHA-256 is stored; the secret itself appears nowhere in the database.
    stored = await app.app.extensions["checkout"].db.api_keys.find_one(
        {"label": "Shop server", "prefix": key["prefix"]}
    )
    assert stored["hash"] == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(stored)

    with_key = {"Authorization": f"Bearer {secret}"}
    wallets = await call(client, "GET", "/api/v1/wallets", headers=with_key)
    assert wallets.status_code == 200
    assert (await body(wallets))["data"][0]["walletCode"] == merchant["walletCode"]
    session = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": Decimal("3.00")},
        with_key,
    )
    assert session.status_code == 201

    listed = (await body(await call(client, "GET", KEYS, headers=merchant["headers"])))["data"]
    assert [k["id"] for k in listed] == [key["id"]]
    assert listed[0]["lastUsedAt"] is not None
    assert "secret" not in listed[0] and secret not in str(listed)

    revoked = await call(client, "DELETE", f"{KEYS}/{key['id']}", headers=with_key)
    assert revoked.status_code == 200 and (await body(revoked))["revokedAt"] is not None
    refused = await call(client, "GET", "/api/v1/wallets", headers=with_key)
    assert refused.status_code == 401
    assert (await body(refused))["error"]["code"] == "unauthenticated"
    assert (await body(await call(client, "GET", KEYS, headers=merchant["headers"])))["data"] == []
    again = await call(client, "DELETE", f"{KEYS}/{key['id']}", headers=merchant["headers"])
    assert again.status_code == 404


async def test_only_a_login_token_creates_keys_and_keys_are_private(client):
    first, second = await register(client), await register(client)
    key = await body(await call(client, "POST", KEYS, headers=first["headers"]))
    assert key["label"] == "Secret key"
    with_key = {"Authorization": f"Bearer {key['secret']}"}
    # A leaked key must not mint keys that outlive its own revocation.
    for headers in (with_key, {**with_key, "Idempotency-Key": "from-a-key"}):
        made = await call(client, "POST", KEYS, {"label": "Made by a key"}, headers)
        assert made.status_code == 403
        assert (await body(made))["error"]["code"] == "login_required"
    listed = await body(await call(client, "GET", KEYS, headers=first["headers"]))
    assert [k["id"] for k in listed["data"]] == [key["id"]]
    made = await call(client, "POST", KEYS, {"label": "Made with a JWT"}, first["headers"])
    assert made.status_code == 201 and (await body(made))["label"] == "Made with a JWT"

    foreign = await call(client, "DELETE", f"{KEYS}/{key['id']}", headers=second["headers"])
    assert foreign.status_code == 404
    assert (await body(foreign))["error"]["code"] == "api_key_not_found"
    assert (await call(client, "GET", "/api/v1/wallets", headers=with_key)).status_code == 200
    listed = await body(await call(client, "GET", KEYS, headers=second["headers"]))
    assert listed["data"] == []


async def test_unknown_and_malformed_keys_get_401(client):
    merchant = await register(client)
    for token in ("sk_" + "A" * 43, "sk_", "sk_" + "x" * 500, 'sk_{"$ne": null}'):
        response = await call(
            client, "GET", "/api/v1/wallets", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, token
    for bad in ("not-an-id", "0" * 24):
        response = await call(client, "DELETE", f"{KEYS}/{bad}", headers=merchant["headers"])
        assert response.status_code == 404
    assert (await call(client, "POST", KEYS, {"label": 5}, merchant["headers"])).status_code == 400
    assert (
        await call(client, "POST", KEYS, {"label": "x" * 61}, merchant["headers"])
    ).status_code == 400
    assert (await call(client, "POST", KEYS)).status_code == 401


async def test_idempotent_key_creation_replays_the_same_key(client):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "key-1"}
    first = await body(await call(client, "POST", KEYS, {"label": "ci"}, headers))
    second = await call(client, "POST", KEYS, {"label": "ci"}, headers)
    assert second.headers["Idempotent-Replayed"] == "true"
    assert (await body(second))["id"] == first["id"]
    listed = await body(await call(client, "GET", KEYS, headers=merchant["headers"]))
    assert len(listed["data"]) == 1


def test_key_lifecycle_over_real_http(live_server):
    """Through Hypercorn with two workers: a key made on one worker works on either,
    and a revoke takes effect for every following request."""
    merchant = live.register(live_server)
    created = live.api(live_server, "POST", KEYS, {"label": "live"}, merchant["headers"])
    assert created.status_code == 201
    key = created.json()
    with_key = {"Authorization": f"Bearer {key['secret']}"}
    for _ in range(4):
        assert live.api(live_server, "GET", "/api/v1/wallets", headers=with_key).status_code == 200
    assert (
        live.api(
            live_server, "DELETE", f"{KEYS}/{key['id']}", headers=merchant["headers"]
        ).status_code
        == 200
    )
    for _ in range(4):
        refused = live.api(live_server, "GET", "/api/v1/wallets", headers=with_key)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthenticated"
