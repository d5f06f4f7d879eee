"""Listing, canceling (POST .../expire) and the expiry sweep of payment sessions."""

from datetime import timedelta

from checkout.services import lifecycle, utcnow
from checkout.storage import sessions as session_store
from tests.support import body, call, create_session, register

PIN = "424242"


def expire_url(sid):
    return f"/api/v1/txn/payment-session/{sid}/expire"


async def test_cancel_closes_the_session_for_page_and_payment(client, app):
    ctx = app.app.extensions["checkout"]
    merchant, shopper = await register(client), await register(client, pin=PIN)
    session = await create_session(client, merchant)
    sid = session["transactionTraceId"]
    # The page has been seen, so Redis holds an "open" copy.
    assert (await client.get(f"/checkout/{sid}")).status_code == 200

    response = await call(client, "POST", expire_url(sid), headers=merchant["headers"])
    assert response.status_code == 200
    canceled = await body(response)
    assert canceled["status"] == "canceled" and canceled["canceledAt"] is not None
    assert canceled["session-time"] == 0

    page = await client.get(f"/checkout/{sid}")
    assert page.status_code == 410
    assert "canceled" in (await page.get_data(as_text=True))
    paid = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{sid}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": PIN,
        },
    )
    assert paid.status_code == 409
    assert (await body(paid))["error"]["code"] == "session_canceled"
    again = await call(client, "POST", expire_url(sid), headers=merchant["headers"])
    assert again.status_code == 409
    error = (await body(again))["error"]
    assert error == {
        "code": "session_not_open",
        "status": "canceled",
        "requestId": error["requestId"],
        "message": "Only an open payment session can be expired; this one is canceled.",
    }
    events = await ctx.db.events.find({"subject": sid}).to_list(None)
    assert [e["type"] for e in events] == ["payment_session.canceled"]


async def test_only_an_open_session_of_your_own_can_be_canceled(client, app):
    ctx = app.app.extensions["checkout"]
    merchant, other, shopper = (
        await register(client),
        await register(client),
        await register(client, pin=PIN),
    )
    session = await create_session(client, merchant)
    sid = session["transactionTraceId"]
    assert (
        await call(client, "POST", expire_url(sid), headers=other["headers"])
    ).status_code == 404
    assert (
        await call(client, "POST", expire_url("cs_nope"), headers=merchant["headers"])
    ).status_code == 404
    assert (await call(client, "POST", expire_url(sid))).status_code == 401

    paid = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{sid}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": PIN,
        },
    )
    assert paid.status_code == 200
    response = await call(client, "POST", expire_url(sid), headers=merchant["headers"])
    assert response.status_code == 409
    assert (await body(response))["error"]["status"] == "complete"

    late = await create_session(client, merchant)
    await ctx.db.payment_sessions.update_one(
        {"_id": late["transactionTraceId"]},
        {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}},
    )
    response = await call(
        client, "POST", expire_url(late["transactionTraceId"]), headers=merchant["headers"]
    )
    assert response.status_code == 409
    assert (await body(response))["error"]["status"] == "expired"


async def test_the_sweeper_expires_overdue_sessions_once_even_with_the_redis_copy(client, app):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    overdue, fresh = await create_session(client, merchant), await create_session(client, merchant)
    sid = overdue["transactionTraceId"]
    await ctx.db.payment_sessions.update_one(
        {"_id": sid}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    assert await session_store.get_cached_session(ctx.redis, sid) is not None

    assert await lifecycle.expire_overdue_sessions(ctx) >= 1
    await lifecycle.expire_overdue_sessions(ctx)  # a second sweep changes nothing

    stored = await ctx.db.payment_sessions.find_one({"_id": sid})
    assert stored["status"] == "expired"
    still_open = await ctx.db.payment_sessions.find_one({"_id": fresh["transactionTraceId"]})
    assert still_open["status"] == "open"
    events = await ctx.db.events.find({"subject": sid}).to_list(None)
    assert [e["type"] for e in events] == ["payment_session.expired"]
    assert not await ctx.redis.exists(f"checkout:session:{sid}")


async def test_list_pages_newest_first_and_filters_by_status(client):
    merchant, other = await register(client), await register(client)
    created = [await create_session(client, merchant) for _ in range(3)]
    await create_session(client, other)
    await call(
        client, "POST", expire_url(created[0]["transactionTraceId"]), headers=merchant["headers"]
    )

    url = "/api/v1/txn/payment-sessions"
    first = await body(await call(client, "GET", url + "?limit=2", headers=merchant["headers"]))
    ids = [s["transactionTraceId"] for s in created]
    assert [s["transactionTraceId"] for s in first["data"]] == [ids[2], ids[1]]
    assert first["hasMore"] is True and first["nextCursor"] == ids[1]
    second = await body(
        await call(
            client, "GET", f"{url}?limit=2&startingAfter={ids[1]}", headers=merchant["headers"]
        )
    )
    assert [s["transactionTraceId"] for s in second["data"]] == [ids[0]]
    assert second["hasMore"] is False and second["nextCursor"] is None

    canceled = await body(
        await call(client, "GET", url + "?status=canceled", headers=merchant["headers"])
    )
    assert [s["transactionTraceId"] for s in canceled["data"]] == [ids[0]]
    opened = await body(
        await call(client, "GET", url + "?status=open", headers=merchant["headers"])
    )
    assert [s["transactionTraceId"] for s in opened["data"]] == [ids[2], ids[1]]


async def test_list_refuses_bad_parameters(client):
    merchant, other = await register(client), await register(client)
    theirs = await create_session(client, other)
    url = "/api/v1/txn/payment-sessions"
    for query in (
        "?limit=0",
        "?limit=101",
        "?limit=ten",
        "?limit=-1",
        "?status=paid",
        f"?startingAfter={theirs['transactionTraceId']}",
        "?startingAfter=cs_nope",
    ):
        response = await call(client, "GET", url + query, headers=merchant["headers"])
        assert response.status_code == 400, query
        assert (await body(response))["error"]["code"] == "invalid_request"
    assert (await call(client, "GET", url)).status_code == 401
