"""Webhooks end to end: the app records events, real `python -m checkout worker` processes
deliver them to a real local HTTP receiver."""

import asyncio
import dataclasses
import signal
import ssl
from datetime import timedelta

import httpx
import pytest
import redis as sync_redis

from checkout.services import utcnow, webhooks
from checkout.services.events import record_event
from checkout.storage import sessions as session_store
from checkout.storage.events import GROUP, STREAM
from checkout.webhook_signature import verify_signature
from tests.support import body, call, create_session, register
from tests.webhook_support import Receiver, eventually, self_signed_certificate, start_worker

PIN = "424242"


@pytest.fixture
def settings(settings):
    # The receiver listens on 127.0.0.1, which production refuses (SSRF).
    return settings.replace(webhook_allow_private_targets=True)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def workers(store_env):
    started = []

    def start(**overrides):
        process = start_worker(store_env, **overrides)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


async def subscribe(client, merchant, receiver, events):
    response = await call(
        client,
        "POST",
        "/api/v1/webhooks",
        {"url": receiver.url, "events": events},
        merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def pay(client, session, shopper):
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": PIN,
        },
    )
    assert response.status_code == 200, await response.get_data()


async def deliveries(client, merchant, endpoint):
    response = await call(
        client, "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=merchant["headers"]
    )
    assert response.status_code == 200
    return (await body(response))["data"]


async def delivered(client, merchant, endpoint, count=1):
    async def check():
        found = await deliveries(client, merchant, endpoint)
        done = [d for d in found if d["status"] == "succeeded"]
        return done if len(done) >= count else None

    return await eventually(check, what="the webhook to be delivered")


def outbox(ctx, event_type, subject):
    return ctx.db.events.count_documents({"type": event_type, "subject": subject})


async def test_a_paid_session_is_delivered_once_and_correctly_signed(
    client, app, receiver, workers
):
    ctx = app.app.extensions["checkout"]
    merchant, shopper = await register(client), await register(client, pin=PIN)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.completed"])
    assert endpoint["secret"].startswith("whsec_")
    worker = workers()
    session = await create_session(client, merchant, description="2 flat whites")
    await pay(client, session, shopper)

    [delivery] = await delivered(client, merchant, endpoint)
    worker.stop()  # graceful: finishes what it holds; nothing may arrive after this

    sid = session["transactionTraceId"]
    [request] = receiver.for_event("payment_session.completed", sid)
    assert len(receiver.requests) == 1
    assert verify_signature(
        request["body"], request["headers"]["Checkout-Signature"], endpoint["secret"]
    )
    event = request["event"]
    assert event["id"].startswith("evt_") and event["id"] == delivery["eventId"]
    assert isinstance(event["created"], int)
    assert event["data"]["status"] == "complete"
    assert event["data"]["totalAmount"] == 10.02 and b'"totalAmount":10.02' in request["body"]
    assert event["data"]["description"] == "2 flat whites"
    assert request["headers"]["Content-Type"] == "application/json"
    assert delivery["attemptCount"] == 1 and delivery["attempts"][0]["statusCode"] == 200
    assert delivery["attempts"][0]["responseExcerpt"] == '{"received": true}'
    assert await outbox(ctx, "payment_session.completed", sid) == 1


async def test_a_receiver_failing_twice_gets_it_on_the_third_attempt(client, receiver, workers):
    merchant, shopper = await register(client), await register(client, pin=PIN)
    endpoint = await subscribe(client, merchant, receiver, ["*"])
    receiver.script = [500, 503]
    workers()
    session = await create_session(client, merchant)
    await pay(client, session, shopper)

    [delivery] = await delivered(client, merchant, endpoint)
    assert [a["statusCode"] for a in delivery["attempts"]] == [500, 503, 200]
    assert [a["succeeded"] for a in delivery["attempts"]] == [False, False, True]
    assert delivery["attempts"][0]["responseExcerpt"] == "receiver is down"
    assert all(a["durationMs"] >= 0 for a in delivery["attempts"])
    requests = receiver.for_event("payment_session.completed", session["transactionTraceId"])
    assert len(requests) == 3
    assert len({r["event"]["id"] for r in requests}) == 1  # the same event, for de-duplication
    for request in requests:
        assert verify_signature(
            request["body"], request["headers"]["Checkout-Signature"], endpoint["secret"]
        )

    # Redeliver on demand: one more request with the same event.
    response = await call(
        client,
        "POST",
        f"/api/v1/webhooks/deliveries/{delivery['id']}/redeliver",
        headers=merchant["headers"],
    )
    assert response.status_code == 202
    await eventually(
        lambda: _async(
            len(receiver.for_event("payment_session.completed", session["transactionTraceId"])) == 4
        ),
        what="the redelivery",
    )
    [again] = await delivered(client, merchant, endpoint)
    assert again["attemptCount"] == 4


async def test_a_receiver_that_never_succeeds_ends_failed(client, receiver, workers):
    merchant, shopper = await register(client), await register(client, pin=PIN)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.completed"])
    receiver.script = [500] * 10
    workers()
    session = await create_session(client, merchant)
    await pay(client, session, shopper)

    async def failed():
        found = await deliveries(client, merchant, endpoint)
        return found if found and found[0]["status"] == "failed" else None

    [delivery] = await eventually(failed, what="the delivery to fail")
    # The first attempt and one retry per step of the (test) schedule 1,1,1.
    assert delivery["attemptCount"] == 4 and delivery["failedAt"] is not None
    assert delivery["nextAttemptAt"] is None


async def test_a_worker_killed_mid_delivery_is_replaced_by_another(
    client, receiver, workers, store_env
):
    merchant, shopper = await register(client), await register(client, pin=PIN)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.completed"])
    receiver.script = ["hang"]
    # A long timeout, so it is surely still waiting for the receiver when it is killed.
    first = workers(WEBHOOK_TIMEOUT="6")
    session = await create_session(client, merchant)
    await pay(client, session, shopper)
    sid = session["transactionTraceId"]

    await eventually(
        lambda: _async(receiver.for_event("payment_session.completed", sid)),
        what="the first worker to start sending",
    )
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()

    workers()
    [delivery] = await delivered(client, merchant, endpoint)
    requests = receiver.for_event("payment_session.completed", sid)
    assert len(requests) == 2 and requests[0]["event"]["id"] == requests[1]["event"]["id"]
    assert verify_signature(
        requests[1]["body"], requests[1]["headers"]["Checkout-Signature"], endpoint["secret"]
    )
    # The killed worker logged nothing; the attempt that reached the receiver is the new one.
    assert [a["statusCode"] for a in delivery["attempts"]] == [200]

    # The dead worker's unacknowledged stream entry was reclaimed (XAUTOCLAIM) and acked.
    redis = sync_redis.Redis.from_url(store_env["REDIS_URL"], decode_responses=True)
    try:

        async def nothing_pending():
            return redis.xpending(STREAM, GROUP)["pending"] == 0

        await eventually(nothing_pending, what="the stream's pending entries to be reclaimed")
    finally:
        redis.close()


async def test_expiry_emits_its_event_once_with_two_workers_sweeping(
    client, app, receiver, workers
):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.expired"])
    session = await create_session(client, merchant)
    sid = session["transactionTraceId"]
    # Its time runs out; the Redis copy (TTL 600 s) is still there.
    await ctx.db.payment_sessions.update_one(
        {"_id": sid}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    assert await session_store.get_cached_session(ctx.redis, sid) is not None

    one, two = workers(), workers()
    [delivery] = await delivered(client, merchant, endpoint)
    one.stop()
    two.stop()

    assert delivery["eventType"] == "payment_session.expired"
    assert len(receiver.for_event("payment_session.expired", sid)) == 1
    assert await outbox(ctx, "payment_session.expired", sid) == 1
    stored = await ctx.db.payment_sessions.find_one({"_id": sid})
    assert stored["status"] == "expired"


async def test_cancel_emits_its_event_once(client, app, receiver, workers):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.canceled"])
    session = await create_session(client, merchant)
    sid = session["transactionTraceId"]
    url = f"/api/v1/txn/payment-session/{sid}/expire"
    answers = await asyncio.gather(
        *(call(client, "POST", url, headers=merchant["headers"]) for _ in range(3))
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409]

    worker = workers()
    [_delivery] = await delivered(client, merchant, endpoint)
    worker.stop()
    [request] = receiver.for_event("payment_session.canceled", sid)
    assert request["event"]["data"]["status"] == "canceled"
    assert request["event"]["data"]["canceledAt"] is not None
    assert await outbox(ctx, "payment_session.canceled", sid) == 1


async def test_an_event_that_missed_the_stream_is_relayed(client, app, receiver, workers):
    """A crash between the commit and the push: the outbox entry exists, the stream never
    heard of it. The worker's relay pushes it and it is delivered."""
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.canceled"])
    account = await ctx.db.accounts.find_one(
        {"email": {"$exists": True}, "default_wallet": merchant["walletCode"]}
    )

    async def write_only(db_session):
        return await record_event(
            ctx,
            account["_id"],
            "payment_session.canceled",
            {"transactionTraceId": "cs_relayed"},
            db_session,
        )

    event = await ctx.stores.in_transaction(write_only)  # and no publish: "crashed" here
    workers()
    [delivery] = await delivered(client, merchant, endpoint)
    assert delivery["eventId"] == event["_id"]
    stored = await ctx.db.events.find_one({"_id": event["_id"]})
    assert stored["published_at"] is not None and stored["dispatched_at"] is not None


class RebindingResolver:
    """A DNS name whose owner flips it: `first` for the first look-up, `then` for every
    later one (the TTL-0 trick that beats a check made on a separate look-up)."""

    def __init__(self, first: str, then: str):
        self.first, self.then = first, then
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return [self.first if self.calls == 1 else self.then]


async def claimed_delivery(client, ctx, url: str):
    """An endpoint at url, one event for it, and its delivery claimed as a worker would."""
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        "/api/v1/webhooks",
        {"url": url, "events": ["payment_session.canceled"]},
        merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    endpoint = await body(response)
    account = await ctx.db.accounts.find_one(
        {"email": {"$exists": True}, "default_wallet": merchant["walletCode"]}
    )

    async def write(db_session):
        return await record_event(
            ctx,
            account["_id"],
            "payment_session.canceled",
            {"transactionTraceId": "cs_rebound"},
            db_session,
        )

    event = await ctx.stores.in_transaction(write)
    [delivery_id] = await webhooks.fan_out(ctx, event)
    assert delivery_id.startswith("whd_")
    delivery = await webhooks.claim_due(ctx, delivery_id)
    return merchant, endpoint, delivery


async def send(ctx, delivery, resolve, verify=True, follow_redirects=False) -> str:
    async with httpx.AsyncClient(
        follow_redirects=follow_redirects, trust_env=False, verify=verify
    ) as http:
        return await webhooks.deliver(ctx, http, delivery, resolve=resolve)


async def test_a_host_rebound_to_loopback_after_the_check_is_not_reached(client, app, receiver):
    ctx = app.app.extensions["checkout"]
    # Created while private targets are allowed (this file's settings); sent by a worker
    # that refuses them.
    _merchant, _endpoint, delivery = await claimed_delivery(
        client, ctx, f"http://localhost:{receiver.port}/hooks"
    )
    strict = dataclasses.replace(
        ctx, settings=ctx.settings.replace(webhook_allow_private_targets=False)
    )
    resolver = RebindingResolver("93.184.215.14", "127.0.0.1")
    # This machine may send nothing to a public address: the transport stands in for the
    # network and records where the request would have gone.
    sent_to = []

    def network(request):
        sent_to.append((request.url.host, request.headers["Host"]))
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(network)) as http:
        state = await webhooks.deliver(strict, http, delivery, resolve=resolver)

    assert receiver.requests == []
    assert resolver.calls == 1  # the checked answer is the one connected to
    assert sent_to == [("93.184.215.14", f"localhost:{receiver.port}")]
    assert state == "succeeded"


async def test_private_targets_allowed_still_go_to_the_resolved_address(client, app):
    ctx = app.app.extensions["checkout"]
    checked = Receiver(host="127.0.0.2")
    other = Receiver(host="127.0.0.1", port=checked.port)
    try:
        url = f"http://localhost:{checked.port}/hooks"
        _merchant, _endpoint, delivery = await claimed_delivery(client, ctx, url)
        resolver = RebindingResolver("127.0.0.2", "127.0.0.1")

        assert await send(ctx, delivery, resolver) == "succeeded"

        assert other.requests == []
        [request] = checked.requests
        assert request["headers"]["Host"] == f"localhost:{checked.port}"
        assert request["headers"]["Connection"] == "close"  # no pooled reuse across hosts
        assert resolver.calls == 1
    finally:
        checked.close()
        other.close()


async def test_a_redirect_is_a_failed_attempt_even_with_a_client_that_follows(
    client, app, receiver
):
    ctx = app.app.extensions["checkout"]
    merchant, endpoint, delivery = await claimed_delivery(client, ctx, receiver.url)
    receiver.script = [302]

    state = await send(
        ctx, delivery, RebindingResolver("127.0.0.1", "127.0.0.1"), follow_redirects=True
    )

    assert state == "pending" and len(receiver.requests) == 1
    [found] = await deliveries(client, merchant, endpoint)
    assert [a["statusCode"] for a in found["attempts"]] == [302]


async def https_attempt(client, ctx, tmp_path, certificate_for: str):
    """One attempt at https://localhost:port/ resolved to 127.0.0.2, where a receiver
    presents a certificate for certificate_for (trusted by the client)."""
    cert, key = self_signed_certificate(tmp_path, certificate_for)
    checked = Receiver(host="127.0.0.2", tls=(cert, key))
    try:
        url = f"https://localhost:{checked.port}/hooks"
        merchant, endpoint, delivery = await claimed_delivery(client, ctx, url)
        state = await send(
            ctx,
            delivery,
            RebindingResolver("127.0.0.2", "127.0.0.1"),
            verify=ssl.create_default_context(cafile=cert),
        )
        [found] = await deliveries(client, merchant, endpoint)
        return state, found["attempts"], checked
    finally:
        checked.close()


async def test_https_to_the_resolved_address_sends_the_host_name_for_tls(client, app, tmp_path):
    """Connected to an address, TLS still names the host (SNI) and the certificate is
    checked against the host name, not against the address."""
    state, [attempt], checked = await https_attempt(
        client, app.app.extensions["checkout"], tmp_path, "localhost"
    )
    assert state == "succeeded" and attempt["statusCode"] == 200
    assert checked.server_names == ["localhost"]
    assert checked.requests[0]["headers"]["Host"] == f"localhost:{checked.port}"


async def test_https_refuses_a_certificate_for_another_host_name(client, app, tmp_path):
    state, [attempt], checked = await https_attempt(
        client, app.app.extensions["checkout"], tmp_path, "elsewhere.test"
    )
    assert state == "pending" and attempt["statusCode"] is None
    assert attempt["error"] == "connection error: ConnectError"
    assert checked.server_names == ["localhost"] and checked.requests == []


async def _async(value):
    return value
