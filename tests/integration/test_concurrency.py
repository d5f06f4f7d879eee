"""Races over real HTTP against two Hypercorn workers sharing the same stores."""

import asyncio
import os
import subprocess
import sys
from decimal import Decimal

import httpx
import simplejson

from tests import live
from tests.servers import ROOT


async def pay_all(base_url, session_ids, payer, pin, total):
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def pay(session_id):
            body = simplejson.dumps(
                {"fromWalletCode": payer, "totalAmount": total, "pin": pin}, use_decimal=True
            )
            return await client.post(
                f"/api/v1/txn/accept-payment/{session_id}",
                content=body,
                headers={"Content-Type": "application/json"},
            )

        return await asyncio.gather(*(pay(s) for s in session_ids))


def balance(base_url, account) -> Decimal:
    response = live.api(base_url, "GET", "/api/v1/wallets", headers=account["headers"])
    wallets = response.json(parse_float=Decimal)["data"]
    return next(w["balance"] for w in wallets if w["walletCode"] == account["walletCode"])


async def test_twenty_concurrent_payments_of_one_session_succeed_once(live_server):
    merchant = live.register(live_server, organization="Race Merchant")
    shopper = live.register(live_server, organization="Race Shopper", pin="123123")
    session = live.create_session(live_server, merchant, Decimal("10.00"))

    responses = await pay_all(
        live_server,
        [session["transactionTraceId"]] * 20,
        shopper["walletCode"],
        "123123",
        session["totalAmount"],
    )

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 19, [
        r.text for r in responses if r.status_code not in (200, 409)
    ]
    assert all(
        r.json()["error"]["code"] == "already_paid" for r in responses if r.status_code == 409
    )
    assert balance(live_server, shopper) == Decimal("1000.00") - Decimal("10.02")
    assert balance(live_server, merchant) == Decimal("1010.00")


async def test_concurrent_payments_from_one_wallet_never_overdraw(live_server):
    merchant = live.register(live_server, organization="Drain Merchant")
    shopper = live.register(live_server, organization="Drain Shopper", pin="321321")
    sessions = [live.create_session(live_server, merchant, Decimal("150.00")) for _ in range(12)]

    responses = await pay_all(
        live_server,
        [s["transactionTraceId"] for s in sessions],
        shopper["walletCode"],
        "321321",
        sessions[0]["totalAmount"],
    )

    # 429: more PIN checks at once on one wallet than the lockout allows in flight.
    assert {r.status_code for r in responses} <= {200, 402, 429}, [r.text for r in responses]
    paid = [r for r in responses if r.status_code == 200]
    assert 1 <= len(paid) <= 6  # 6 x 150.30 = 901.80 fits in 1000; a 7th would not
    remaining = balance(live_server, shopper)
    assert remaining == Decimal("1000.00") - len(paid) * Decimal("150.30")
    assert remaining >= 0
    # Whatever was turned away for being concurrent can pay now, until the money runs out.
    retry = [
        s["transactionTraceId"]
        for s, r in zip(sessions, responses, strict=True)
        if r.status_code == 429
    ]
    for response in await pay_all(
        live_server, retry, shopper["walletCode"], "321321", sessions[0]["totalAmount"]
    ):
        assert response.status_code in (200, 402, 429)
    assert balance(live_server, shopper) >= 0


async def test_a_burst_of_wrong_pins_gets_at_most_five_tries(live_server):
    merchant = live.register(live_server, organization="Guess Merchant")
    shopper = live.register(live_server, organization="Guess Shopper", pin="777777")
    session = live.create_session(live_server, merchant, Decimal("1.00"))

    responses = await pay_all(
        live_server,
        [session["transactionTraceId"]] * 25,
        shopper["walletCode"],
        "000000",
        session["totalAmount"],
    )

    codes = [r.json()["error"]["code"] for r in responses]
    assert codes.count("invalid_pin") <= 5
    assert set(codes) <= {"invalid_pin", "wallet_locked", "rate_limited"}
    # Locked now: even the right PIN is refused until the lock runs out.
    # Tries that waited too long for the wallet's slot were turned away (429) without
    # counting; the rest of the five are used up one by one, then the wallet is locked.
    for _ in range(5 - codes.count("invalid_pin")):
        [wrong] = await pay_all(
            live_server,
            [session["transactionTraceId"]],
            shopper["walletCode"],
            "000000",
            session["totalAmount"],
        )
        assert wrong.json()["error"]["code"] == "invalid_pin"
    after = await pay_all(
        live_server,
        [session["transactionTraceId"]],
        shopper["walletCode"],
        "777777",
        session["totalAmount"],
    )
    assert after[0].status_code == 423


def test_reconciliation_is_green_after_the_races(live_server, store_env):
    """Runs after the concurrency tests above (same module, in order)."""
    result = subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **store_env},
        timeout=120,
    )
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reconciliation OK" in result.stdout


def test_reconcile_command_fails_on_a_tampered_balance(store_env):
    """The command must be able to fail: break a wallet in a separate database."""
    env = {**os.environ, **store_env, "MONGO_DB": store_env["MONGO_DB"] + "_tampered"}
    script = (
        "import asyncio\n"
        "from pymongo import AsyncMongoClient\n"
        "async def main():\n"
        f"    c = AsyncMongoClient({store_env['MONGO_URI']!r})\n"
        f"    db = c[{env['MONGO_DB']!r}]\n"
        "    await db.journal.insert_one({'kind': 'welcome_credit', 'postings': ["
        "{'account': 'system:issuance', 'amount': -500}, {'account': 'wllt-a', 'amount': 500}]})\n"
        "    await db.wallets.insert_one({'code': 'wllt-a', 'balance': 700})\n"
        "    await c.close()\n"
        "asyncio.run(main())\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    result = subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 1
    assert "wallet wllt-a balance 700 != sum of its postings 500" in result.stdout
