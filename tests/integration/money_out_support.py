"""Helpers for the refund, withdrawal and payment-link tests: act as API users and the
operator would, through HTTP and the `python -m checkout` command."""

import asyncio
import os
import sys
from decimal import Decimal

from tests.servers import ROOT
from tests.support import body, call, create_session

PIN = "135790"


async def pay(client, session: dict, payer: dict, pin: str = PIN):
    return await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {"fromWalletCode": payer["walletCode"], "totalAmount": session["totalAmount"], "pin": pin},
    )


async def paid_session(client, merchant, shopper, amount=Decimal("10.00")) -> dict:
    session = await create_session(client, merchant, amount)
    response = await pay(client, session, shopper)
    assert response.status_code == 200, await response.get_data()
    return session


async def balance(client, account: dict, wallet_code: str | None = None) -> Decimal:
    listed = await body(await call(client, "GET", "/api/v1/wallets", headers=account["headers"]))
    code = wallet_code or account["walletCode"]
    return next(w["balance"] for w in listed["data"] if w["walletCode"] == code)


async def transactions(client, account: dict) -> list[dict]:
    response = await call(
        client, "GET", "/api/v1/txn/transaction?limit=100", headers=account["headers"]
    )
    return (await body(response))["data"]


async def refund(client, merchant, session, payload=None, headers=None):
    return await call(
        client,
        "POST",
        f"/api/v1/txn/refund/{session['transactionTraceId']}",
        payload,
        {**merchant["headers"], **(headers or {})},
    )


async def withdraw(client, account, amount, **extra):
    payload = {"walletCode": account["walletCode"], "amount": amount, **extra}
    if "pin" not in extra and "password" not in extra:
        payload["pin"] = PIN
    return await call(client, "POST", "/api/v1/txn/withdraw", payload, account["headers"])


async def checkout_command(store_env: dict, *args: str) -> tuple[int, str, str]:
    """Run `python -m checkout ...` as the operator would, against the test stores."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "checkout",
        *args,
        cwd=ROOT,
        env={**os.environ, **store_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode, out.decode(), err.decode()
