import asyncio
from decimal import Decimal

from checkout import create_app
from checkout.web.json import parse as body_of_json
from tests.integration.money_out_support import (
    PIN,
    balance,
    paid_session,
    refund,
    transactions,
    withdraw,
)
from tests.support import body, call, create_session, platform_fee_total, register


def body_of(event: dict) -> dict:
    return body_of_json(event["payload"])


async def test_full_refund_by_default_returns_the_amount_not_the_fee(client, settings):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    fees_before = await platform_fees(client, settings)

    response = await refund(client, merchant, session, {"reason": "customer changed mind"})
    assert response.status_code == 201, await response.get_data()
    data = await body(response)
    assert data["id"].startswith("re_") and data["status"] == "succeeded"
    assert data["amount"] == Decimal("10.00") and data["serviceFeeRefunded"] == Decimal("0.00")
    assert data["refundedAmount"] == Decimal("10.00")
    assert data["reason"] == "customer changed mind"

    assert await balance(client, merchant) == Decimal("1000.00")
    assert await balance(client, shopper) == Decimal("999.98")  # paid 10.02, got 10.00 back
    assert await platform_fees(client, settings) == fees_before  # the fee stays earned

    read = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
            headers=merchant["headers"],
        )
    )
    assert read["status"] == "complete" and read["refundedAmount"] == Decimal("10.00")

    merchant_rows = [t for t in await transactions(client, merchant) if t["type"] == "refund"]
    shopper_rows = [t for t in await transactions(client, shopper) if t["type"] == "refund"]
    assert [(t["direction"], t["amount"], t["refundId"]) for t in merchant_rows] == [
        ("debit", Decimal("10.00"), data["id"])
    ]
    assert [(t["direction"], t["amount"], t["refundId"]) for t in shopper_rows] == [
        ("credit", Decimal("10.00"), data["id"])
    ]
    assert shopper_rows[0]["transactionTraceId"] == session["transactionTraceId"]

    listed = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/refund/{session['transactionTraceId']}",
            headers=merchant["headers"],
        )
    )
    assert [r["id"] for r in listed["data"]] == [data["id"]]

    event = await client.app.extensions["checkout"].db.events.find_one(
        {"type": "refund.succeeded", "subject": session["transactionTraceId"]}
    )
    payload = body_of(event)
    assert payload["data"]["id"] == data["id"] and payload["data"]["amount"] == Decimal("10.00")

    again = await refund(client, merchant, session)
    assert again.status_code == 409
    assert (await body(again))["error"]["code"] == "already_refunded"


async def test_partial_refunds_add_up_to_the_amount_and_never_more(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    first = await refund(client, merchant, session, {"amount": Decimal("4.00")})
    assert first.status_code == 201
    assert (await body(first))["refundedAmount"] == Decimal("4.00")

    too_much = await refund(client, merchant, session, {"amount": Decimal("6.01")})
    assert too_much.status_code == 422
    error = (await body(too_much))["error"]
    assert error["code"] == "refund_too_large" and error["refundable"] == Decimal("6.00")

    rest = await refund(client, merchant, session)  # no amount: whatever is left
    assert rest.status_code == 201
    assert (await body(rest))["amount"] == Decimal("6.00")
    assert await balance(client, shopper) == Decimal("999.98")


async def test_refund_service_fee_setting_returns_the_fee_exactly_across_partials(settings):
    app = create_app(settings.replace(refund_service_fee=True))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
        session = await paid_session(client, merchant, shopper, Decimal("10.00"))  # fee 0.02
        fees_before = await platform_fees(client, settings)
        shares = []
        for part in ("3.33", "3.33", "3.34"):
            response = await refund(client, merchant, session, {"amount": Decimal(part)})
            assert response.status_code == 201
            shares.append((await body(response))["serviceFeeRefunded"])
        assert sum(shares) == Decimal("0.02")
        assert await balance(client, shopper) == Decimal("1000.00")
        assert await platform_fees(client, settings) == fees_before - Decimal("0.02")
        shopper_credits = [t for t in await transactions(client, shopper) if t["type"] == "refund"]
        assert sum(t["amount"] for t in shopper_credits) == Decimal("10.02")


async def test_merchant_without_balance_gets_402_and_nothing_moves(client, app):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    # Merchant holds 1010.00; withdrawing 1005.00 (+ 2.00 fee) leaves 3.00.
    assert (
        await withdraw(client, merchant, Decimal("1005.00"), pin=merchant["pin"])
    ).status_code == 201
    response = await refund(client, merchant, session)
    assert response.status_code == 402
    assert (await body(response))["error"]["code"] == "insufficient_funds"
    assert await balance(client, merchant) == Decimal("3.00")
    assert await balance(client, shopper) == Decimal("989.98")
    read = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
            headers=merchant["headers"],
        )
    )
    assert read["refundedAmount"] == Decimal("0.00")
    db = app.app.extensions["checkout"].db
    assert await db.refunds.count_documents({"session_id": session["transactionTraceId"]}) == 0
    assert (
        await db.events.count_documents(
            {"type": "refund.succeeded", "subject": session["transactionTraceId"]}
        )
        == 0
    )


async def test_idempotency_key_replays_the_refund(client, app):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper)
    key = {"Idempotency-Key": "refund-order-77"}
    first = await refund(client, merchant, session, {"amount": Decimal("1.00")}, key)
    second = await refund(client, merchant, session, {"amount": Decimal("1.00")}, key)
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert (await body(first))["id"] == (await body(second))["id"]
    other = await refund(client, merchant, session, {"amount": Decimal("2.00")}, key)
    assert other.status_code == 422
    db = app.app.extensions["checkout"].db
    assert await db.refunds.count_documents({"session_id": session["transactionTraceId"]}) == 1
    assert await balance(client, shopper) == Decimal("990.98")


async def test_refund_bad_input_and_permissions(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    other = await register(client, "Other")
    session = await paid_session(client, merchant, shopper)
    url = f"/api/v1/txn/refund/{session['transactionTraceId']}"
    for payload in (
        {"amount": "5"},
        {"amount": Decimal("-1")},
        {"amount": 0},
        {"amount": Decimal("1.001")},
        {"amount": True},
        {"amount": 10**20},
        {"reason": {"$ne": 1}},
        {"reason": "x" * 501},
    ):
        response = await call(client, "POST", url, payload, merchant["headers"])
        assert response.status_code == 400, payload
        assert "error" in await body(response)
    for raw in (b"{", b"[1]", b'{"amount": NaN}', b'"text"'):
        response = await call(client, "POST", url, headers=merchant["headers"], raw=raw)
        assert response.status_code == 400, raw
    assert (await call(client, "POST", url, {})).status_code == 401
    foreign = await call(client, "POST", url, {}, other["headers"])
    assert foreign.status_code == 404
    assert (await body(foreign))["error"]["code"] == "session_not_found"
    unknown = await call(client, "POST", "/api/v1/txn/refund/cs_nope", {}, merchant["headers"])
    assert unknown.status_code == 404
    assert (await body(unknown))["error"]["code"] == "session_not_found"
    unpaid = await create_session(client, merchant)
    response = await refund(client, merchant, unpaid)
    assert response.status_code == 422
    assert (await body(response))["error"]["code"] == "session_not_paid"
    # None of that moved money.
    assert await balance(client, shopper) == Decimal("989.98")


async def test_concurrent_refunds_never_exceed_the_amount_paid(client, app):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    responses = await asyncio.gather(
        *[refund(client, merchant, session, {"amount": Decimal("3.00")}) for _ in range(8)]
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 3 and all(s in (201, 422) for s in statuses), statuses
    full = await asyncio.gather(*[refund(client, merchant, session) for _ in range(5)])
    assert sorted(r.status_code for r in full) == [201, 409, 409, 409, 409]
    db = app.app.extensions["checkout"].db
    stored = await db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    assert stored["refunded_amount"] == 1000
    refunded = [r async for r in db.refunds.find({"session_id": session["transactionTraceId"]})]
    assert sum(r["amount"] for r in refunded) == 1000
    # One refund.succeeded event per refund that moved money, none for the refused ones.
    events = await db.events.count_documents(
        {"type": "refund.succeeded", "subject": session["transactionTraceId"]}
    )
    assert events == len(refunded) == 4
    assert await balance(client, shopper) == Decimal("999.98")
    assert await balance(client, merchant) == Decimal("1000.00")


async def platform_fees(client, settings) -> Decimal:
    # The platform fee wallet has no owner account; read it straight from the store.
    ctx = client.app.extensions["checkout"]
    return Decimal(await platform_fee_total(ctx.db, settings)).scaleb(-2)


async def test_an_idempotency_key_reaches_into_the_refund_transaction(client, app):
    from checkout.services import refunds

    merchant, shopper = await register(client), await register(client, pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    ctx = app.app.extensions["checkout"]
    account = await ctx.db.accounts.find_one({"user_code": merchant["userCode"]})
    trace = session["transactionTraceId"]
    results = await asyncio.gather(
        *(
            refunds.refund(ctx, account, trace, 300, None, idempotency_key="acct:refund-1")
            for _ in range(4)
        )
    )
    again = await refunds.refund(ctx, account, trace, 300, None, idempotency_key="acct:refund-1")
    assert len({r["_id"] for r in results} | {again["_id"]}) == 1
    assert await balance(client, shopper) == Decimal("1000.00") - Decimal("10.02") + Decimal("3.00")


async def test_too_large_refunds_with_idempotency_keys_answer_422_and_free_no_key(client, app):
    """The 422 carries a Decimal detail (refundable): it must be written and replayed like
    any other answer, never a 500 that leaves the key in flight for 10 minutes."""
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    too_much = {"amount": Decimal("20.00")}
    db = app.app.extensions["checkout"].db

    # Different keys, concurrently: each runs the handler and gets its own 422.
    different = await asyncio.gather(
        *(
            refund(client, merchant, session, too_much, {"Idempotency-Key": f"too-big-{n}"})
            for n in range(10)
        )
    )
    assert [r.status_code for r in different] == [422] * 10
    for response in different:
        error = (await body(response))["error"]
        assert error["code"] == "refund_too_large" and error["refundable"] == Decimal("10.00")

    # The same key, concurrently: one runs, the others are replays or see it in flight.
    same = await asyncio.gather(
        *(
            refund(client, merchant, session, too_much, {"Idempotency-Key": "too-big-same"})
            for _ in range(10)
        )
    )
    statuses = [r.status_code for r in same]
    assert statuses.count(422) >= 1 and set(statuses) <= {422, 409}, statuses
    answers = {await r.get_data() for r in same if r.status_code == 422}
    assert len(answers) == 1
    in_flight = {(await body(r))["error"]["code"] for r in same if r.status_code == 409}
    assert in_flight <= {"idempotency_in_flight"}

    # Afterwards every key holds its 422 (none left in flight) and a retry replays it.
    keys = [f"too-big-{n}" for n in range(10)] + ["too-big-same"]
    for key in keys:
        replay = await refund(client, merchant, session, too_much, {"Idempotency-Key": key})
        assert replay.status_code == 422, (key, replay.status_code)
        assert replay.headers["Idempotent-Replayed"] == "true"
        error = (await body(replay))["error"]
        assert error["code"] == "refund_too_large" and error["refundable"] == Decimal("10.00")
    assert await replay.get_data() == answers.pop()  # keys[-1]: the same body as the first
    account = await db.accounts.find_one({"user_code": merchant["userCode"]})
    stored = [k async for k in db.idempotency_keys.find({"_id": {"$regex": f"^{account['_id']}:"}})]
    assert len(stored) == len(keys) and {k["state"] for k in stored} == {"done"}
    assert await db.refunds.count_documents({"session_id": session["transactionTraceId"]}) == 0
