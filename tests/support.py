"""Helpers that act as an API user would: through HTTP."""

import secrets
from decimal import Decimal

import simplejson

from checkout.storage.pending_credits import pending_totals
from checkout.web.json import parse


def dumps(payload) -> bytes:
    """JSON with Decimal written as a number, as a real client would send 12.50."""
    return simplejson.dumps(payload, use_decimal=True).encode()


async def call(client, method, url, payload=None, headers=None, raw=None):
    """One API request; payload is JSON-encoded with exact decimals."""
    data = raw if raw is not None else (dumps(payload) if payload is not None else b"")
    return await client.open(
        url,
        method=method,
        data=data,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def unique_email(prefix="merchant") -> str:
    return f"{prefix}-{secrets.token_hex(5)}@example.com"


async def body(response) -> dict:
    return parse(await response.get_data())


async def register(client, organization="Acme Coffee", pin=None, **extra) -> dict:
    payload = {
        "organization": organization,
        "email": unique_email(),
        "password": "correct horse 1",
        "category": "food",
        **extra,
    }
    if pin:
        payload["pin"] = pin
    response = await call(client, "POST", "/api/v1/org/register", payload)
    assert response.status_code == 201, await response.get_data()
    data = await body(response)
    login = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": payload["email"], "password": payload["password"]},
    )
    assert login.status_code == 200
    data["token"] = (await body(login))["token"]
    data["password"] = payload["password"]
    data["headers"] = {"Authorization": f"Bearer {data['token']}"}
    return data


async def create_session(client, merchant, amount=Decimal("10.00"), **extra) -> dict:
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": amount, **extra},
        merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def platform_fee_total(db, settings) -> int:
    """Fees held by all the platform fee wallets, in minor units: their settled balances
    plus the fee credits payments left pending for the settler."""
    wallets = db.wallets.find({"code": {"$in": settings.fee_wallets}})
    settled = sum([w["balance"] async for w in wallets])
    return settled + sum((await pending_totals(db, settings.fee_wallets)).values())
