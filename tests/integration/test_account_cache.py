"""Requests read their account from a Redis copy (storage/account_cache.py): a change to the
account must show on the very next request, and the copy never holds the password hash."""

from decimal import Decimal

from checkout.storage import account_cache
from tests.support import body, call, register

PROFILE = "/api/v1/org/profile"


def stores(app):
    return app.app.extensions["checkout"]


async def test_a_renamed_merchant_shows_on_the_next_session(app, client):
    merchant = await register(client, organization="Old Name")
    url = f"/api/v1/txn/payment-session/{merchant['walletCode']}"
    first = await call(client, "POST", url, {"amount": Decimal("5.00")}, merchant["headers"])
    assert first.status_code == 201
    account_id = (await stores(app).db.accounts.find_one({"email": merchant["email"]}))["_id"]
    assert await account_cache.get_account(stores(app).redis, str(account_id)) is not None

    renamed = await call(client, "PUT", PROFILE, {"organization": "New Name"}, merchant["headers"])
    assert renamed.status_code == 200

    second = await call(client, "POST", url, {"amount": Decimal("5.00")}, merchant["headers"])
    session = await stores(app).db.payment_sessions.find_one(
        {"_id": (await body(second))["transactionTraceId"]}
    )
    assert session["merchant_name"] == "New Name"


async def test_the_copy_has_no_password_hash_and_passwords_are_still_checked(app, client):
    merchant = await register(client)
    assert (await call(client, "GET", PROFILE, headers=merchant["headers"])).status_code == 200
    account = await stores(app).db.accounts.find_one({"email": merchant["email"]})
    copy = await account_cache.get_account(stores(app).redis, str(account["_id"]))
    assert copy is not None and "password_hash" not in copy
    assert copy["_id"] == account["_id"] and copy["created_at"] == account["created_at"]

    # A credential change checks the current password against MongoDB, not the copy.
    wrong = await call(
        client,
        "PUT",
        PROFILE,
        {"password": "another password 3", "currentPassword": "not it at all"},
        merchant["headers"],
    )
    assert wrong.status_code == 401
    right = await call(
        client,
        "PUT",
        PROFILE,
        {"password": "another password 3", "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert right.status_code == 200


async def test_a_read_from_before_a_change_cannot_put_its_old_copy_back(app, client):
    merchant = await register(client)
    redis = stores(app).redis
    stale = await stores(app).db.accounts.find_one({"email": merchant["email"]})
    # The change lands (and forgets the copy) between a request's read and its put.
    renamed = await call(client, "PUT", PROFILE, {"organization": "Renamed"}, merchant["headers"])
    assert renamed.status_code == 200
    await account_cache.put_account(redis, stale)
    assert await account_cache.get_account(redis, str(stale["_id"])) is None

    profile = await call(client, "GET", PROFILE, headers=merchant["headers"])
    assert (await body(profile))["organization"] == "Renamed"
