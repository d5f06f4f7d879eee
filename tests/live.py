"""Synchronous helpers for tests that talk to the live Hypercorn server over real HTTP."""

import secrets
from decimal import Decimal

import httpx
import simplejson


def api(base_url: str, method: str, path: str, payload=None, headers=None) -> httpx.Response:
    data = simplejson.dumps(payload, use_decimal=True) if payload is not None else None
    return httpx.request(
        method,
        base_url + path,
        content=data,
        timeout=30,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def register(base_url: str, organization="Acme Coffee", pin=None) -> dict:
    email = f"live-{secrets.token_hex(5)}@example.com"
    payload = {
        "organization": organization,
        "email": email,
        "password": "correct horse 1",
        "category": "food",
    }
    if pin:
        payload["pin"] = pin
    created = api(base_url, "POST", "/api/v1/org/register", payload)
    assert created.status_code == 201, created.text
    data = created.json(parse_float=Decimal)
    login = api(
        base_url, "POST", "/api/v1/org/login", {"email": email, "password": payload["password"]}
    )
    assert login.status_code == 200, login.text
    data["headers"] = {"Authorization": f"Bearer {login.json()['token']}"}
    return data


def create_session(base_url: str, merchant: dict, amount, **extra) -> dict:
    response = api(
        base_url,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": amount, **extra},
        merchant["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json(parse_float=Decimal)


def pay(base_url: str, session: dict, shopper: dict, pin: str) -> None:
    """Pay a session over the API from a shopper's wallet, as a shopper's browser would."""
    response = api(
        base_url,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": pin,
        },
    )
    assert response.status_code == 200, response.text
