"""The app on Redis Sentinel (REDIS_SENTINELS, REDIS_SENTINEL_MASTER): the Redis master is
killed (SIGKILL) in the middle of a burst of payments. Requests during the switch may
answer 503 store_unavailable, never 500; the app finds the new master without a restart;
no payment is lost or made twice, and reconcile stays green."""

import asyncio
import signal
from decimal import Decimal

import pytest

from tests.integration.money_out_support import balance, checkout_command
from tests.servers import RedisSentinels
from tests.support import body, call, create_session, register

PIN = "424242"
SHOPPERS = 4
SESSIONS = 32
KILL_AFTER = 8  # payments answered before the master dies
AMOUNT = Decimal("1.00")


@pytest.fixture(scope="module")
def sentinels():
    group = RedisSentinels()
    yield group
    group.stop()


@pytest.fixture(scope="module")
def store_env(store_env, sentinels):
    return {
        **store_env,
        # Only the database number counts here: the sentinels say where the master is
        # (a client that used this address would be stuck with the master killed below).
        "REDIS_URL": f"redis://127.0.0.1:{sentinels.master.port}/0",
        "REDIS_SENTINELS": sentinels.addresses,
        "REDIS_SENTINEL_MASTER": sentinels.MASTER_NAME,
    }


async def pay(client, session, shopper):
    return await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": PIN,
        },
    )


async def test_payments_survive_a_sentinel_failover(app, client, store_env, sentinels):
    ctx = app.app.extensions["checkout"]
    assert (await ctx.redis.info("server"))["tcp_port"] == sentinels.master.port
    merchant = await register(client)
    shoppers = [await register(client, pin=PIN) for _ in range(SHOPPERS)]
    start_balance = await balance(client, shoppers[0])
    sessions = [await create_session(client, merchant, AMOUNT) for _ in range(SESSIONS)]
    by_id = {s["transactionTraceId"]: s for s in sessions}
    payer_of = {sid: shoppers[i % SHOPPERS] for i, sid in enumerate(by_id)}
    answers: dict[str, int] = {}
    queue = list(sessions)

    async def pay_in_turn():
        # Each shopper pays one session at a time, so the PIN slots never run out.
        while queue:
            session = queue.pop(0)
            sid = session["transactionTraceId"]
            response = await pay(client, session, payer_of[sid])
            answers[sid] = response.status_code
            if response.status_code != 200:
                error = (await body(response))["error"]
                assert (response.status_code, error["code"]) == (503, "store_unavailable")
            if len(answers) == KILL_AFTER:
                sentinels.master.process.send_signal(signal.SIGKILL)

    await asyncio.gather(*(pay_in_turn() for _ in range(SHOPPERS)))
    assert len(answers) == SESSIONS
    assert list(answers.values())[:KILL_AFTER] == [200] * KILL_AFTER
    # The payments after the kill ran into the switch (503) or already reached the new
    # master (200): nothing else.
    assert set(answers.values()) <= {200, 503}

    sentinels.wait_for_failover()
    print(
        f"failover: {sum(1 for a in answers.values() if a == 503)} of {SESSIONS - KILL_AFTER}"
        " payments after the kill answered 503, the rest 200"
    )
    # The same app, not restarted, now talks to the promoted replica.
    for sid, status in answers.items():
        if status != 200:
            retry = await pay(client, by_id[sid], payer_of[sid])
            assert retry.status_code in (200, 409), await retry.get_data()
    assert (await ctx.redis.info("server"))["tcp_port"] == sentinels.replica.port
    fresh = await create_session(client, merchant, AMOUNT)
    assert (await pay(client, fresh, shoppers[0])).status_code == 200

    # Every session paid exactly once: one journal entry each, and each shopper down by
    # exactly what it paid.
    ids = [s["transactionTraceId"] for s in [*sessions, fresh]]
    assert await ctx.db.payment_sessions.count_documents(
        {"_id": {"$in": ids}, "status": "complete"}
    ) == len(ids)
    for sid in ids:
        assert await ctx.db.journal.count_documents({"session_id": sid}) == 1, sid
    total = Decimal(sessions[0]["totalAmount"])
    for index, shopper in enumerate(shoppers):
        paid = sum(1 for s in sessions if payer_of[s["transactionTraceId"]] is shopper)
        paid += 1 if index == 0 else 0
        assert await balance(client, shopper) == start_balance - paid * total
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err
