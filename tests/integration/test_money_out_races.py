"""Refunds and withdrawals racing over real HTTP (two Hypercorn workers, shared stores),
a withdrawal settled by several operators at once, then the reconciliation command."""

import asyncio
from decimal import Decimal

import httpx
import simplejson

from checkout.errors import WithdrawalNotPending
from checkout.services import withdrawals
from checkout.services.audit import Actor
from checkout.statuses import OperatorRole
from tests import live
from tests.integration.money_out_support import PIN, checkout_command
from tests.integration.money_out_support import withdraw as withdraw_in_app
from tests.support import register

WALLET_PASSWORD = "correct horse 1"  # what tests/live.register uses


def live_balance(base_url, account) -> Decimal:
    response = live.api(base_url, "GET", "/api/v1/wallets", headers=account["headers"])
    return next(
        w["balance"]
        for w in response.json(parse_float=Decimal)["data"]
        if w["walletCode"] == account["walletCode"]
    )


def paid_live_session(base_url, merchant, shopper, amount) -> dict:
    session = live.create_session(base_url, merchant, amount)
    paid = live.api(
        base_url,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "pin": PIN,
            "totalAmount": session["totalAmount"],
        },
    )
    assert paid.status_code == 200, paid.text
    return session


async def post_all(base_url, requests):
    """Send every (path, payload, headers) at once."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def post(path, payload, headers):
            return await client.post(
                path,
                content=simplejson.dumps(payload, use_decimal=True),
                headers={"Content-Type": "application/json", **headers},
            )

        return await asyncio.gather(*(post(*r) for r in requests))


async def test_concurrent_refunds_over_http_never_exceed_the_payment(live_server):
    merchant = live.register(live_server, "Refund Race Merchant")
    shopper = live.register(live_server, "Refund Race Shopper", pin=PIN)
    session = paid_live_session(live_server, merchant, shopper, Decimal("50.00"))
    path = f"/api/v1/txn/refund/{session['transactionTraceId']}"
    responses = await post_all(
        live_server, [(path, {"amount": Decimal("7.00")}, merchant["headers"]) for _ in range(12)]
    )
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {201, 422}, [r.text for r in responses]
    assert statuses.count(201) == 7  # 7 x 7.00 = 49.00; an 8th would pass 50.00
    read = live.api(
        live_server,
        "GET",
        f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
        headers=merchant["headers"],
    ).json(parse_float=Decimal)
    assert read["refundedAmount"] == Decimal("49.00")
    assert live_balance(live_server, shopper) == Decimal("1000.00") - Decimal("50.10") + Decimal(
        "49.00"
    )
    assert live_balance(live_server, merchant) == Decimal("1001.00")


async def test_refunds_racing_withdrawals_never_drive_the_wallet_negative(live_server):
    merchant = live.register(live_server, "Drain Race Merchant")
    shopper = live.register(live_server, "Drain Race Shopper", pin=PIN)
    sessions = [
        paid_live_session(live_server, merchant, shopper, Decimal("20.00")) for _ in range(5)
    ]
    assert live_balance(live_server, merchant) == Decimal("1100.00")
    # 5 refunds of 20.00 and 5 withdrawals of 200.00 (+2.00 fee) want 1110.00 of 1100.00.
    requests = [
        (f"/api/v1/txn/refund/{s['transactionTraceId']}", {}, merchant["headers"]) for s in sessions
    ]
    requests += [
        (
            "/api/v1/txn/withdraw",
            {
                "walletCode": merchant["walletCode"],
                "amount": Decimal("200.00"),
                "password": WALLET_PASSWORD,
            },
            merchant["headers"],
        )
        for _ in range(5)
    ]
    responses = await post_all(live_server, requests)
    assert {r.status_code for r in responses} <= {201, 402}, [r.text for r in responses]
    refunded = sum(r.status_code == 201 for r in responses[:5])
    withdrawn = sum(r.status_code == 201 for r in responses[5:])
    assert refunded + withdrawn < 10  # not everything fits
    remaining = live_balance(live_server, merchant)
    assert remaining == Decimal("1100.00") - refunded * Decimal("20.00") - withdrawn * Decimal(
        "202.00"
    )
    assert remaining >= 0


async def test_concurrent_settlements_reverse_a_failed_withdrawal_once(client, app):
    merchant = await register(client, pin=PIN)
    created = await withdraw_in_app(client, merchant, Decimal("300.00"))
    withdrawal_id = (await created.get_json())["id"]
    ctx = app.app.extensions["checkout"]
    actor = Actor(None, "payouts@example.com", OperatorRole.ADMIN)
    results = await asyncio.gather(
        *[withdrawals.settle(ctx, withdrawal_id, "failed", None, actor) for _ in range(6)],
        withdrawals.settle(ctx, withdrawal_id, "paid", None, actor),
        return_exceptions=True,
    )
    done = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, WithdrawalNotPending)]
    assert len(done) == 1 and len(refused) == 6, results
    wallet = await ctx.db.wallets.find_one({"code": merchant["walletCode"]})
    expected = 100000 if done[0]["status"] == "failed" else 100000 - 30200
    assert wallet["balance"] == expected
    # The withdrawal's own entry and exactly one settling entry.
    kinds = [e["kind"] async for e in ctx.db.journal.find({"withdrawal_id": withdrawal_id})]
    assert sorted(kinds) == sorted(["withdrawal", "withdrawal_" + done[0]["status"]])
    # The audit entry commits with the settlement: one, naming the outcome that won.
    audited = [e["action"] async for e in ctx.db.audit_log.find({"target": withdrawal_id})]
    assert audited == ["payout." + done[0]["status"]]


async def test_reconciliation_is_green_after_the_races(store_env):
    code, out, err = await checkout_command(store_env, "reconcile")
    print("\n$ python -m checkout reconcile\n" + out + err)
    assert code == 0, out + err
    assert "reconciliation OK" in out
