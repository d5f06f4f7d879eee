"""Paying a session by API: money moves exactly once, or not at all."""

from datetime import timedelta
from decimal import Decimal

import pytest

from checkout.services.reconcile import reconcile
from checkout.services.settlement import settle_all
from checkout.storage import pin_attempts
from checkout.storage import sessions as session_store
from checkout.storage.pending_credits import pending_totals
from tests.integration.money_out_support import balance as wallet_balance
from tests.support import body, call, create_session, platform_fee_total, register


def pay_url(session_id):
    return f"/api/v1/txn/accept-payment/{session_id}"


async def pay(client, session, payer, pin=None, total=None):
    return await call(
        client,
        "POST",
        pay_url(session["transactionTraceId"]),
        {
            "fromWalletCode": payer["walletCode"],
            "totalAmount": session["totalAmount"] if total is None else total,
            "pin": pin or payer["pin"],
        },
    )


async def balances(ctx, *codes):
    return [(await ctx.db.wallets.find_one({"code": c}))["balance"] for c in codes]


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


async def test_payment_moves_amount_fee_and_total(client, ctx, settings):
    merchant, shopper = await register(client), await register(client, organization="Shopper")
    session = await create_session(
        client,
        merchant,
        Decimal("12.50"),
        successUrl="https://acme.test/ok?s={CHECKOUT_SESSION_ID}",
    )
    fees_before = await platform_fee_total(ctx.db, settings)

    response = await pay(client, session, shopper)
    assert response.status_code == 200
    result = await body(response)
    assert result["status"] == "complete"
    assert result["transactionTraceId"] == session["transactionTraceId"]
    assert result["totalAmount"] == Decimal("12.53") and result["serviceFee"] == Decimal("0.03")
    assert result["balance"] == Decimal("987.47")
    assert result["redirectUrl"] == f"https://acme.test/ok?s={session['transactionTraceId']}"

    payer_balance, payee_balance = await balances(
        ctx, shopper["walletCode"], merchant["walletCode"]
    )
    assert payer_balance == 100000 - 1253
    # The payee's credit is pending until the settler adds it (docs/pay-path.md); the
    # balance the API shows counts it already.
    assert payee_balance == 100000
    assert await pending_totals(ctx.db, [merchant["walletCode"]]) == {merchant["walletCode"]: 1250}
    assert await wallet_balance(client, merchant) == Decimal("1012.50")
    assert await platform_fee_total(ctx.db, settings) - fees_before == 3
    await settle_all(ctx.stores)
    assert await balances(ctx, merchant["walletCode"]) == [100000 + 1250]
    assert await pending_totals(ctx.db) == {}

    entries = await ctx.db.journal.find({"session_id": session["transactionTraceId"]}).to_list()
    assert len(entries) == 1
    assert sum(p["amount"] for p in entries[0]["postings"]) == 0
    records = await ctx.db.transactions.find(
        {"session_id": session["transactionTraceId"]}
    ).to_list()
    assert sorted((r["direction"], r["amount"]) for r in records) == [
        ("credit", 1250),
        ("debit", 1253),
    ]

    stored = await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    assert stored["status"] == "complete" and stored["payer_wallet"] == shopper["walletCode"]
    read = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
            headers=merchant["headers"],
        )
    )
    assert read["status"] == "complete" and read["session-time"] == 0
    assert read["payerWallet"].endswith(shopper["walletCode"][-4:])
    assert shopper["walletCode"] not in str(read)


async def test_second_payment_is_already_paid_and_moves_nothing(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    assert (await pay(client, session, shopper)).status_code == 200
    before = await balances(ctx, shopper["walletCode"], merchant["walletCode"])
    again = await pay(client, session, shopper)
    assert again.status_code == 409
    assert (await body(again))["error"]["code"] == "already_paid"
    assert await balances(ctx, shopper["walletCode"], merchant["walletCode"]) == before


async def test_wrong_pin_counts_down_then_locks_the_wallet(client, ctx):
    merchant, shopper = await register(client), await register(client, pin="111111")
    session = await create_session(client, merchant)
    for left in (4, 3, 2, 1, 0):
        response = await pay(client, session, shopper, pin="999999")
        error = (await body(response))["error"]
        assert response.status_code == 401
        assert error["code"] == "invalid_pin" and error["attempts_left"] == left
    locked = await pay(client, session, shopper)  # even the right PIN now
    assert locked.status_code == 423
    assert (await body(locked))["error"]["code"] == "wallet_locked"
    assert 0 < int(locked.headers["Retry-After"]) <= 900
    assert await balances(ctx, shopper["walletCode"]) == [100000]
    # After the lock runs out the right PIN works again.
    await pin_attempts.clear_failures(ctx.redis, shopper["walletCode"])
    assert (await pay(client, session, shopper)).status_code == 200


async def test_right_pin_resets_the_failure_count(client):
    merchant, shopper = await register(client), await register(client)
    first, second = await create_session(client, merchant), await create_session(client, merchant)
    for _ in range(4):
        await pay(client, first, shopper, pin="000000" if shopper["pin"] != "000000" else "000001")
    assert (await pay(client, first, shopper)).status_code == 200
    wrong = await pay(
        client, second, shopper, pin="000000" if shopper["pin"] != "000000" else "000001"
    )
    assert (await body(wrong))["error"]["attempts_left"] == 4


async def test_unknown_payer_wallet_looks_like_a_wrong_pin(client):
    merchant = await register(client)
    session = await create_session(client, merchant)
    response = await pay(client, session, {"walletCode": "wllt-unknown", "pin": "123456"})
    assert response.status_code == 401
    assert (await body(response))["error"]["code"] == "invalid_pin"


async def test_insufficient_funds_moves_nothing(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant, Decimal("999.00"))  # total 1000.998 -> 1001.00
    response = await pay(client, session, shopper)
    assert response.status_code == 402
    assert (await body(response))["error"]["code"] == "insufficient_funds"
    assert await balances(ctx, shopper["walletCode"], merchant["walletCode"]) == [100000, 100000]
    stored = await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    assert stored["status"] == "open"  # the flip to complete was rolled back too
    assert await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 0


async def test_exact_balance_can_be_spent_to_zero(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant, Decimal("998.00"))  # fee 2.00 -> total 1000
    assert session["totalAmount"] == Decimal("1000.00")
    assert (await pay(client, session, shopper)).status_code == 200
    assert await balances(ctx, shopper["walletCode"]) == [0]


async def test_wrong_total_is_422(client):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant, Decimal("10.00"))
    response = await pay(client, session, shopper, total=Decimal("10.00"))
    assert response.status_code == 422
    assert (await body(response))["error"]["code"] == "amount_mismatch"


async def test_paying_into_the_same_wallet_is_422(client):
    merchant = await register(client)
    session = await create_session(client, merchant)
    response = await pay(client, session, merchant)
    assert response.status_code == 422
    assert (await body(response))["error"]["code"] == "same_wallet"


async def test_expired_session_is_410_even_if_redis_still_has_it(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    trace = session["transactionTraceId"]
    stored = await ctx.db.payment_sessions.find_one({"_id": trace})
    past = stored["created_at"] - timedelta(seconds=1)
    await ctx.db.payment_sessions.update_one({"_id": trace}, {"$set": {"expires_at": past}})
    # Redis still holds the open copy for now: MongoDB must still refuse.
    response = await pay(client, session, shopper)
    assert response.status_code == 410
    assert (await body(response))["error"]["code"] == "session_expired"
    await session_store.forget_cached_session(ctx.redis, trace)
    response = await pay(client, session, shopper)
    assert response.status_code == 410
    read = await body(
        await call(
            client, "GET", f"/api/v1/txn/payment-session/{trace}", headers=merchant["headers"]
        )
    )
    assert read["status"] == "expired"
    assert await balances(ctx, shopper["walletCode"]) == [100000]


async def test_unknown_session_is_404(client):
    shopper = await register(client)
    response = await pay(client, {"transactionTraceId": "cs_missing", "totalAmount": 1}, shopper)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "payload, status",
    [
        ({}, 400),
        ({"fromWalletCode": "wllt-x", "totalAmount": 1}, 400),
        ({"fromWalletCode": {"$ne": None}, "totalAmount": 1, "pin": "123456"}, 400),
        ({"fromWalletCode": "wllt-x", "totalAmount": 1, "pin": {"$ne": None}}, 400),
        ({"fromWalletCode": "wllt-x", "totalAmount": 1, "pin": 123456}, 400),
        ({"fromWalletCode": "wllt-x", "totalAmount": "1", "pin": "123456"}, 400),
        ({"fromWalletCode": "wllt-x", "totalAmount": Decimal("1.001"), "pin": "123456"}, 400),
    ],
)
async def test_bad_input_is_400(client, payload, status):
    merchant = await register(client)
    session = await create_session(client, merchant)
    response = await call(client, "POST", pay_url(session["transactionTraceId"]), payload)
    assert response.status_code == status
    assert "error" in await body(response)


async def test_missing_fields_are_named(client):
    response = await call(client, "POST", pay_url("cs_x"), {"pin": "123456"})
    assert (await body(response))["error"]["fields"] == ["fromWalletCode", "totalAmount"]


async def test_a_forced_transient_error_is_retried_once_and_pays_once(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    await ctx.stores.mongo.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {
                "failCommands": ["insert"],
                "errorCode": 112,
                "errorLabels": ["TransientTransactionError"],
            },
        }
    )
    try:
        response = await pay(client, session, shopper)
    finally:
        await ctx.stores.mongo.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert response.status_code == 200
    assert await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 1
    assert await balances(ctx, shopper["walletCode"]) == [100000 - 1002]


async def test_a_failure_mid_transaction_rolls_everything_back(client, ctx):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    # The journal insert fails after the session was flipped in the same transaction.
    await ctx.stores.mongo.admin.command(
        {
            "configureFailPoint": "failCommand",
            "mode": {"times": 1},
            "data": {"failCommands": ["insert"], "errorCode": 2},
        }
    )
    try:
        response = await pay(client, session, shopper)
    finally:
        await ctx.stores.mongo.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    assert response.status_code == 500
    error = (await body(response))["error"]
    assert error["code"] == "internal_error" and "Traceback" not in error["message"]
    stored = await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    assert stored["status"] == "open"
    assert await balances(ctx, shopper["walletCode"], merchant["walletCode"]) == [100000, 100000]
    assert await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 0
    # Nothing was half-done, so the shopper can simply pay again.
    assert (await pay(client, session, shopper)).status_code == 200


async def test_the_ledger_reconciles_after_all_of_the_above(client, ctx):
    await register(client)
    report = await reconcile(ctx.stores)
    assert report.ok, report.problems
    assert report.total_balances == report.total_issued > 0
