import asyncio
from decimal import Decimal

from checkout import create_app
from tests.integration.money_out_support import (
    PIN,
    balance,
    checkout_command,
    transactions,
    withdraw,
)
from tests.support import body, call, create_session, platform_fee_total, register


async def test_withdraw_with_pin_moves_amount_and_fee_and_is_pending(client, app, settings):
    merchant = await register(client, pin=PIN)
    db = app.app.extensions["checkout"].db
    fees_before = await platform_fee_total(db, settings)
    response = await withdraw(client, merchant, Decimal("100.00"))
    assert response.status_code == 201, await response.get_data()
    data = await body(response)
    assert data["id"].startswith("wd_") and data["status"] == "pending"
    assert data["amount"] == Decimal("100.00") and data["fee"] == Decimal("2.00")
    assert data["totalDebited"] == Decimal("102.00") and data["balance"] == Decimal("898.00")
    assert await balance(client, merchant) == Decimal("898.00")
    fees_after = await platform_fee_total(db, settings)
    assert fees_after - fees_before == 200

    rows = [t for t in await transactions(client, merchant) if t["type"] == "withdrawal"]
    assert [(t["direction"], t["amount"], t["fee"], t["withdrawalId"]) for t in rows] == [
        ("debit", Decimal("102.00"), Decimal("2.00"), data["id"])
    ]
    read = await call(
        client, "GET", f"/api/v1/txn/withdraw/{data['id']}", headers=merchant["headers"]
    )
    assert (await body(read))["status"] == "pending"


async def test_withdraw_with_password_and_idempotency(client):
    merchant = await register(client)
    key = {**merchant["headers"], "Idempotency-Key": "payout-1"}
    payload = {
        "walletCode": merchant["walletCode"],
        "amount": Decimal("10.00"),
        "password": merchant["password"],
    }
    first = await call(client, "POST", "/api/v1/txn/withdraw", payload, key)
    second = await call(client, "POST", "/api/v1/txn/withdraw", payload, key)
    assert first.status_code == second.status_code == 201
    assert (await body(first))["id"] == (await body(second))["id"]
    assert await balance(client, merchant) == Decimal("988.00")


async def test_withdraw_refusals_move_nothing(client):
    merchant, other = await register(client, pin=PIN), await register(client, "Other")
    cases = [
        ({"pin": "000000"}, 401, "invalid_pin"),
        ({"password": "wrong password 9"}, 401, "invalid_credentials"),
        ({"pin": PIN, "password": merchant["password"]}, 400, "invalid_request"),
        ({"pin": 135790}, 400, "invalid_request"),
        ({"amount": Decimal("999.00")}, 402, "insufficient_funds"),  # 999 + 2 > 1000
        ({"amount": "5"}, 400, "invalid_amount"),
        ({"amount": Decimal("0.001")}, 400, "invalid_amount"),
        ({"amount": Decimal("-5")}, 400, "invalid_amount"),
        ({"walletCode": other["walletCode"]}, 404, "wallet_not_found"),
        ({"walletCode": "wllt-nope"}, 404, "wallet_not_found"),
        ({"walletCode": {"$ne": None}}, 400, "invalid_request"),
    ]
    for extra, status, code in cases:
        payload = {"walletCode": merchant["walletCode"], "amount": Decimal("5.00"), "pin": PIN}
        payload.update(extra)
        if "password" in extra and "pin" not in extra:
            del payload["pin"]
        response = await call(client, "POST", "/api/v1/txn/withdraw", payload, merchant["headers"])
        assert response.status_code == status, (extra, await response.get_data())
        assert (await body(response))["error"]["code"] == code, extra
    missing = await call(
        client,
        "POST",
        "/api/v1/txn/withdraw",
        {"walletCode": merchant["walletCode"], "amount": 5},
        merchant["headers"],
    )
    assert missing.status_code == 400
    no_body = await call(client, "POST", "/api/v1/txn/withdraw", headers=merchant["headers"])
    assert no_body.status_code == 400
    anonymous = await call(
        client,
        "POST",
        "/api/v1/txn/withdraw",
        {"walletCode": merchant["walletCode"], "amount": 5, "pin": PIN},
    )
    assert anonymous.status_code == 401
    assert await balance(client, merchant) == Decimal("1000.00")
    assert await balance(client, other) == Decimal("1000.00")
    unknown = await call(client, "GET", "/api/v1/txn/withdraw/wd_nope", headers=merchant["headers"])
    assert unknown.status_code == 404


async def test_operator_lists_and_marks_paid(client, app, store_env):
    merchant = await register(client, pin=PIN)
    withdrawal = await body(await withdraw(client, merchant, Decimal("50.00")))
    code, out, _ = await checkout_command(store_env, "payouts", "list")
    assert code == 0 and withdrawal["id"] in out and "50.00 USD" in out
    code, out, _ = await checkout_command(store_env, "payouts", "mark", withdrawal["id"], "paid")
    assert code == 0 and "marked paid" in out
    code, _, err = await checkout_command(store_env, "payouts", "mark", withdrawal["id"], "failed")
    assert code == 1 and "already paid" in err
    read = await body(
        await call(
            client, "GET", f"/api/v1/txn/withdraw/{withdrawal['id']}", headers=merchant["headers"]
        )
    )
    assert read["status"] == "paid" and read["settledAt"]
    assert await balance(client, merchant) == Decimal("948.00")  # paid out: nothing comes back
    code, out, _ = await checkout_command(store_env, "payouts", "list")
    assert withdrawal["id"] not in out
    events = app.app.extensions["checkout"].db.events.find({"subject": withdrawal["id"]})
    assert [e["type"] async for e in events] == ["withdrawal.paid"]
    audit = app.app.extensions["checkout"].db.audit_log.find({"target": withdrawal["id"]})
    assert [(e["action"], e["operator"][:4]) async for e in audit] == [("payout.paid", "cli:")]
    code, _, err = await checkout_command(store_env, "payouts", "mark", "wd_nope", "paid")
    assert code == 1 and "No withdrawal" in err


async def test_withdrawal_marked_failed_twice_at_once_is_reversed_once(
    client, app, store_env, settings
):
    merchant = await register(client, pin=PIN)
    db = app.app.extensions["checkout"].db
    withdrawal = await body(await withdraw(client, merchant, Decimal("200.00")))
    fees_before = await platform_fee_total(db, settings)
    # Two operators, two processes, the same withdrawal, at the same moment.
    results = await asyncio.gather(
        checkout_command(store_env, "payouts", "mark", withdrawal["id"], "failed"),
        checkout_command(store_env, "payouts", "mark", withdrawal["id"], "failed"),
    )
    assert sorted(code for code, _, _ in results) == [0, 1], results
    assert await balance(client, merchant) == Decimal("1000.00")  # amount and fee back, once
    fees_after = await platform_fee_total(db, settings)
    assert fees_before - fees_after == 200
    reversals = [
        t for t in await transactions(client, merchant) if t["type"] == "withdrawal_reversal"
    ]
    assert [t["amount"] for t in reversals] == [Decimal("202.00")]
    assert (
        await db.journal.count_documents(
            {"withdrawal_id": withdrawal["id"], "kind": "withdrawal_failed"}
        )
        == 1
    )
    assert await db.events.count_documents({"subject": withdrawal["id"]}) == 1
    assert (await db.events.find_one({"subject": withdrawal["id"]}))["type"] == "withdrawal.failed"


async def test_an_idempotency_key_reaches_into_the_money_transaction(client, app):
    """Even past the HTTP-level key (a crashed request whose key went stale), the same key
    cannot move money twice: the withdrawal document carries it under a unique index."""
    from checkout.services import withdrawals

    merchant = await register(client, pin=PIN)
    ctx = app.app.extensions["checkout"]
    account = await ctx.db.accounts.find_one({"user_code": merchant["userCode"]})
    first = await withdrawals.withdraw(
        ctx, account, merchant["walletCode"], 10000, pin=PIN, idempotency_key="acct:key-1"
    )
    again = await withdrawals.withdraw(
        ctx, account, merchant["walletCode"], 10000, pin=PIN, idempotency_key="acct:key-1"
    )
    racing = await asyncio.gather(
        *(
            withdrawals.withdraw(
                ctx, account, merchant["walletCode"], 10000, pin=PIN, idempotency_key="acct:key-2"
            )
            for _ in range(4)
        )
    )
    assert again["_id"] == first["_id"]
    assert len({w["_id"] for w in racing}) == 1
    assert await balance(client, merchant) == Decimal("1000.00") - 2 * Decimal("102.00")


async def test_welcome_credit_is_spendable_but_not_withdrawable(settings):
    app = create_app(settings.replace(welcome_credit_withdrawable=False))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant, shopper = await register(client, pin=PIN), await register(client, pin=PIN)
        minted = await withdraw(client, shopper, Decimal("998.00"))
        assert minted.status_code == 402  # every sign-up would mint cash otherwise
        assert "welcome credit" in (await body(minted))["error"]["message"]

        # Paid from the shopper's credit, the merchant's 100.00 arrives locked: it cannot
        # leave either (credit stays credit, whoever holds it).
        session = await create_session(client, merchant, Decimal("100.00"))
        paid = await call(
            client,
            "POST",
            f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
            {
                "fromWalletCode": shopper["walletCode"],
                "totalAmount": session["totalAmount"],
                "pin": PIN,
            },
        )
        assert paid.status_code == 200
        assert (await withdraw(client, merchant, Decimal("0.01"))).status_code == 402

        # The shopper spent 100.20 of its credit: what is left locked follows the balance.
        ctx = test_app.app.extensions["checkout"]
        wallet = await ctx.db.wallets.find_one({"code": shopper["walletCode"]})
        assert wallet["locked_credit"] == wallet["balance"] == 100000 - 10020
