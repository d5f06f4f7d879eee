from decimal import Decimal

from tests.support import body, call, create_session, register


async def pay(client, session, payer):
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": payer["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": payer["pin"],
        },
    )
    assert response.status_code == 200


async def test_lists_own_transactions_newest_first_with_cursor(client):
    merchant, shopper = await register(client), await register(client)
    for amount in ("1.00", "2.00", "3.00"):
        await pay(client, await create_session(client, merchant, Decimal(amount)), shopper)

    first = await body(
        await call(client, "POST", "/api/v1/txn/transaction", {"limit": 2}, shopper["headers"])
    )
    assert [(t["type"], t["direction"], t["amount"]) for t in first["data"]] == [
        ("payment", "debit", Decimal("3.01")),
        ("payment", "debit", Decimal("2.00")),
    ]
    assert first["hasMore"] is True
    second = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/transaction?limit=2&startingAfter={first['nextCursor']}",
            headers=shopper["headers"],
        )
    )
    assert [(t["type"], t["amount"]) for t in second["data"]] == [
        ("payment", Decimal("1.00")),
        ("welcome_credit", Decimal("1000.00")),
    ]
    assert second["hasMore"] is False and second["nextCursor"] is None

    merchant_view = await body(
        await call(client, "GET", "/api/v1/txn/transaction", headers=merchant["headers"])
    )
    credits = [t for t in merchant_view["data"] if t["type"] == "payment"]
    assert [t["amount"] for t in credits] == [Decimal("3.00"), Decimal("2.00"), Decimal("1.00")]
    assert all(t["direction"] == "credit" for t in credits)
    assert shopper["walletCode"] not in str(merchant_view)  # the payer's code is masked


async def test_transactions_bad_input(client):
    merchant = await register(client)
    for query in ("limit=0", "limit=101", "limit=abc", "startingAfter=nope"):
        response = await call(
            client, "GET", f"/api/v1/txn/transaction?{query}", headers=merchant["headers"]
        )
        assert response.status_code == 400, query
    for payload in ({"limit": "x"}, {"limit": True}, {"startingAfter": {"$gt": ""}}):
        response = await call(
            client, "POST", "/api/v1/txn/transaction", payload, merchant["headers"]
        )
        assert response.status_code == 400, payload
    assert (await call(client, "GET", "/api/v1/txn/transaction")).status_code == 401
