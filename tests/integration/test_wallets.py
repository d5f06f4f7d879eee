from decimal import Decimal

from tests.support import body, call, register

WALLETS = "/api/v1/wallets"


async def test_create_wallet_shows_its_pin_once_and_lists_balances(client, app):
    merchant = await register(client)
    created = await call(
        client, "POST", WALLETS, {"name": "Events", "pin": "246810"}, merchant["headers"]
    )
    assert created.status_code == 201
    wallet = await body(created)
    assert wallet["pin"] == "246810" and wallet["balance"] == Decimal("0.00")
    assert wallet["walletCode"].startswith("wllt-")

    listed = await body(await call(client, "GET", WALLETS, headers=merchant["headers"]))
    codes = [w["walletCode"] for w in listed["data"]]
    assert codes == [merchant["walletCode"], wallet["walletCode"]]
    assert listed["data"][0]["balance"] == Decimal("1000.00")
    assert all("pin" not in w for w in listed["data"])
    stored = await app.app.extensions["checkout"].db.wallets.find_one(
        {"code": wallet["walletCode"]}
    )
    assert "246810" not in str(stored)


async def test_generated_pin_without_a_body(client):
    merchant = await register(client)
    created = await client.post(WALLETS, headers=merchant["headers"])
    assert created.status_code == 201
    pin = (await body(created))["pin"]
    assert len(pin) == 6 and pin.isdigit()


async def test_wallets_are_private(client):
    first, second = await register(client), await register(client)
    listed = await body(await call(client, "GET", WALLETS, headers=second["headers"]))
    assert first["walletCode"] not in str(listed)


async def test_wallet_bad_input_and_auth(client):
    merchant = await register(client)
    for payload in ({"pin": "12"}, {"pin": 123456}, {"name": {"$ne": 1}}):
        response = await call(client, "POST", WALLETS, payload, merchant["headers"])
        assert response.status_code == 400, payload
    assert (await call(client, "GET", WALLETS)).status_code == 401
    assert (await call(client, "POST", WALLETS, {})).status_code == 401
