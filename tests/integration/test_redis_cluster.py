"""The app on a real three-master Redis Cluster (REDIS_CLUSTER=true, REDIS_URL a seed node):
every Redis path of a payment, the PIN lockout, idempotency, rate limits, dashboard
sessions and the webhook stream with its consumer group. A multi-key operation whose keys
hash to different slots fails here (CROSSSLOT), which a single Redis never shows."""

import asyncio
from decimal import Decimal

import pytest
from redis import Redis as SyncRedis
from redis.cluster import RedisCluster as SyncRedisCluster

from checkout.storage import pin_attempts
from checkout.storage.events import GROUP, STREAM
from checkout.stores import RedisCluster
from tests.integration.test_dashboard import auth_cookie, get_with_cookie, sign_in, submit
from tests.servers import RedisCluster as RedisClusterServers
from tests.support import body, call, create_session, register
from tests.webhook_support import Receiver, eventually, start_worker

PIN = "424242"


@pytest.fixture(scope="module")
def redis_cluster():
    cluster = RedisClusterServers()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="module")
def store_env(store_env, redis_cluster):
    return {**store_env, "REDIS_URL": redis_cluster.url, "REDIS_CLUSTER": "true"}


@pytest.fixture
def settings(settings):
    return settings.replace(webhook_allow_private_targets=True)


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


@pytest.fixture
def cluster_client(redis_cluster):
    client = SyncRedisCluster.from_url(redis_cluster.url, decode_responses=True)
    yield client
    client.close()


async def pay(client, session, shopper, pin=PIN):
    return await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": pin,
        },
    )


async def test_the_app_talks_to_the_cluster(client, ctx, cluster_client):
    assert isinstance(ctx.redis, RedisCluster)
    assert len(cluster_client.get_primaries()) == 3
    assert (await ctx.redis.cluster_info())["cluster_state"] == "ok"
    health = await client.get("/healthz")
    assert health.status_code == 200, await health.get_data()


async def test_payments_on_the_cluster(client, ctx):
    merchant, shopper = await register(client), await register(client, pin=PIN)
    sessions = [await create_session(client, merchant, Decimal("2.00")) for _ in range(6)]
    # The checkout page reads the cached copy from Redis.
    page = await client.get(f"/checkout/{sessions[0]['transactionTraceId']}")
    assert page.status_code == 200
    answers = await asyncio.gather(*(pay(client, s, shopper) for s in sessions))
    assert [a.status_code for a in answers] == [200] * 6
    paid = await ctx.db.payment_sessions.count_documents(
        {"_id": {"$in": [s["transactionTraceId"] for s in sessions]}, "status": "complete"}
    )
    assert paid == 6


def scripts_run(cluster) -> dict[str, int]:
    totals = {"eval": 0, "evalsha": 0}
    for node in cluster.nodes:
        with SyncRedis(port=node.port) as single:
            stats = single.info("commandstats")
        for name in totals:
            totals[name] += stats.get(f"cmdstat_{name}", {}).get("calls", 0)
    return totals


async def test_the_pin_lockout_on_the_cluster(client, ctx, redis_cluster):
    merchant, shopper = await register(client), await register(client, pin=PIN)
    session = await create_session(client, merchant)
    for left in (4, 3, 2, 1, 0):
        wrong = await pay(client, session, shopper, pin="999999")
        assert wrong.status_code == 401, await wrong.get_data()
        assert (await body(wrong))["error"]["attempts_left"] == left
    locked = await pay(client, session, shopper)
    assert locked.status_code == 423
    assert (await body(locked))["error"]["code"] == "wallet_locked"
    await pin_attempts.clear_failures(ctx.redis, shopper["walletCode"])
    assert (await pay(client, session, shopper)).status_code == 200
    # The scripts were loaded once and run by their SHA, never sent with EVAL.
    calls = scripts_run(redis_cluster)
    assert calls["evalsha"] > 0 and calls["eval"] == 0


async def test_idempotency_on_the_cluster(client):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "cluster-order-1"}
    url = f"/api/v1/txn/payment-session/{merchant['walletCode']}"
    first = await call(client, "POST", url, {"amount": Decimal("3.00")}, headers)
    again = await call(client, "POST", url, {"amount": Decimal("3.00")}, headers)
    assert first.status_code == again.status_code == 201
    assert await first.get_data() == await again.get_data()


async def test_rate_limits_on_the_cluster(client):
    merchant = await register(client)
    wrong = {"email": merchant["email"], "password": "not the password"}
    answers = [await call(client, "POST", "/api/v1/org/login", wrong) for _ in range(11)]
    assert [a.status_code for a in answers] == [401] * 10 + [429]
    assert (await body(answers[-1]))["error"]["code"] == "rate_limited"


async def test_dashboard_sessions_on_the_cluster(app, client):
    merchant = await register(client)
    other_browser = auth_cookie(await sign_in(app.test_client(), merchant))
    await sign_in(client, merchant)
    assert (await client.get("/dashboard/")).status_code == 200
    assert (await get_with_cookie(app, "/dashboard/", other_browser)).status_code == 200
    changed = await submit(
        client,
        "/dashboard/profile/password",
        {
            "current_password": merchant["password"],
            "new_password": "a new secret 1",
            "confirm": "a new secret 1",
        },
        token_from="/dashboard/profile",
    )
    assert changed.status_code == 303
    # The password change ended the other browser's session; this one goes on.
    assert (await get_with_cookie(app, "/dashboard/", other_browser)).status_code == 303
    assert (await client.get("/dashboard/")).status_code == 200
    signed_out = await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")
    assert signed_out.status_code == 303
    assert (await client.get("/dashboard/")).status_code == 303


async def test_the_webhook_stream_and_its_consumer_group_on_the_cluster(
    client, store_env, cluster_client
):
    receiver = Receiver()
    worker = start_worker(store_env)
    try:
        merchant, shopper = await register(client), await register(client, pin=PIN)
        subscribed = await call(
            client,
            "POST",
            "/api/v1/webhooks",
            {"url": receiver.url, "events": ["payment_session.completed"]},
            merchant["headers"],
        )
        assert subscribed.status_code == 201
        session = await create_session(client, merchant)
        assert (await pay(client, session, shopper)).status_code == 200

        async def received():
            return receiver.for_event("payment_session.completed", session["transactionTraceId"])

        [delivered] = await eventually(received, what="the webhook to arrive")
        assert delivered["event"]["data"]["status"] == "complete"

        async def all_acknowledged():
            return cluster_client.xpending(STREAM, GROUP)["pending"] == 0

        await eventually(all_acknowledged, what="the worker to acknowledge its entries")
        assert cluster_client.xlen(STREAM) >= 1
    finally:
        worker.stop()
        receiver.close()
