"""Rotated secrets, test pings and disabled endpoints end to end: the app over HTTP, real
`python -m checkout worker` processes, real local HTTP receivers."""

import json
from datetime import timedelta

import httpx
import pytest

from checkout.services import utcnow, webhooks
from checkout.webhook_signature import InvalidSignature, verify_signature
from tests.support import body, call, create_session, register
from tests.webhook_support import Receiver, eventually, start_worker


@pytest.fixture
def settings(settings):
    # The receivers listen on 127.0.0.1, which production refuses (SSRF).
    return settings.replace(webhook_allow_private_targets=True)


@pytest.fixture
def receivers():
    started = []

    def start():
        started.append(Receiver())
        return started[-1]

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def workers(store_env):
    started = []

    def start(**overrides):
        started.append(start_worker(store_env, **overrides))
        return started[-1]

    yield start
    for process in started:
        process.stop()


async def subscribe(client, merchant, receiver, events=("*",)):
    response = await call(
        client,
        "POST",
        "/api/v1/webhooks",
        {"url": receiver.url, "events": list(events)},
        merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def ping(client, merchant, endpoint) -> dict:
    response = await call(
        client, "POST", f"/api/v1/webhooks/{endpoint['id']}/test", headers=merchant["headers"]
    )
    assert response.status_code == 202, await response.get_data()
    return await body(response)


async def deliveries(client, merchant, endpoint):
    response = await call(
        client, "GET", f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=merchant["headers"]
    )
    assert response.status_code == 200
    return (await body(response))["data"]


async def delivery_of(client, merchant, endpoint, event_id, status="succeeded"):
    async def check():
        for delivery in await deliveries(client, merchant, endpoint):
            if delivery["eventId"] == event_id and delivery["status"] == status:
                return delivery
        return None

    return await eventually(check, what=f"the delivery of {event_id} to be {status}")


def requests_for(receiver, event_id) -> list[dict]:
    return [r for r in list(receiver.requests) if json.loads(r["body"])["id"] == event_id]


def v1_values(header: str) -> list[str]:
    return [item[3:] for item in header.split(",") if item.startswith("v1=")]


async def test_after_rotation_both_secrets_sign_for_24_hours_then_only_the_new_one(
    client, app, receivers, workers
):
    ctx = app.app.extensions["checkout"]
    receiver = receivers()
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver)
    old = endpoint["secret"]
    workers()

    response = await call(
        client,
        "POST",
        f"/api/v1/webhooks/{endpoint['id']}/rotate-secret",
        headers=merchant["headers"],
    )
    assert response.status_code == 200
    new = (await body(response))["secret"]

    event = await ping(client, merchant, endpoint)
    await delivery_of(client, merchant, endpoint, event["id"])
    [request] = requests_for(receiver, event["id"])
    header = request["headers"]["Checkout-Signature"]
    assert len(v1_values(header)) == 2  # t=...,v1=<new>,v1=<old>
    # A receiver still holding the old secret and one already on the new both accept it.
    assert verify_signature(request["body"], header, old)
    assert verify_signature(request["body"], header, new)

    # A rotation made 25 hours ago: the overlap of the secret it replaced is over.
    account = await ctx.db.accounts.find_one({"default_wallet": merchant["walletCode"]})
    _, newest = await webhooks.rotate_secret(
        ctx, account, endpoint["id"], now=utcnow() - timedelta(hours=25)
    )
    event = await ping(client, merchant, endpoint)
    await delivery_of(client, merchant, endpoint, event["id"])
    [request] = requests_for(receiver, event["id"])
    header = request["headers"]["Checkout-Signature"]
    assert len(v1_values(header)) == 1
    assert verify_signature(request["body"], header, newest)
    for gone in (new, old):
        with pytest.raises(InvalidSignature):
            verify_signature(request["body"], header, gone)


async def test_a_ping_goes_to_that_endpoint_only_and_shows_in_its_delivery_log(
    client, receivers, workers
):
    merchant = await register(client)
    tested, other = receivers(), receivers()
    endpoint = await subscribe(client, merchant, tested)
    everything = await subscribe(client, merchant, other, ["*"])  # never gets a ping
    workers()

    event = await ping(client, merchant, endpoint)
    delivery = await delivery_of(client, merchant, endpoint, event["id"])
    assert delivery["eventType"] == "ping" and delivery["attempts"][0]["statusCode"] == 200
    [request] = requests_for(tested, event["id"])
    assert verify_signature(
        request["body"], request["headers"]["Checkout-Signature"], endpoint["secret"]
    )
    sent = json.loads(request["body"])
    assert sent["type"] == "ping" and sent["data"]["endpointId"] == endpoint["id"]

    # The fan-out that made the tested endpoint's delivery would have made the other's.
    assert await deliveries(client, merchant, everything) == []
    assert other.requests == []


async def cancel(client, merchant) -> str:
    session = await create_session(client, merchant)
    sid = session["transactionTraceId"]
    response = await call(
        client, "POST", f"/api/v1/txn/payment-session/{sid}/expire", headers=merchant["headers"]
    )
    assert response.status_code == 200
    return sid


async def test_a_disabled_endpoint_gets_no_new_deliveries_and_pending_ones_wait(
    client, app, receivers, workers
):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    receiver = receivers()
    endpoint = await subscribe(client, merchant, receiver, ["payment_session.canceled"])
    # Its first attempt fails, so the delivery is pending (its retry far off) when the
    # endpoint is disabled.
    receiver.script = [500]
    workers(WEBHOOK_RETRY_SCHEDULE="60,60,60")
    await cancel(client, merchant)

    async def failed_once():
        found = await deliveries(client, merchant, endpoint)
        return found if found and found[0]["attemptCount"] == 1 else None

    [pending] = await eventually(failed_once, what="a failed first attempt")
    assert pending["status"] == "pending"

    response = await call(
        client,
        "PATCH",
        f"/api/v1/webhooks/{endpoint['id']}",
        {"enabled": False},
        merchant["headers"],
    )
    assert response.status_code == 200 and (await body(response))["enabled"] is False
    [paused] = await deliveries(client, merchant, endpoint)
    assert paused["status"] == "paused" and paused["nextAttemptAt"] is None

    # An event while it is disabled: fanned out (dispatched), with no delivery for it.
    sid = await cancel(client, merchant)

    async def dispatched():
        return await ctx.db.events.find_one({"subject": sid, "dispatched_at": {"$ne": None}})

    await eventually(dispatched, what="the worker to fan the event out")
    found = await deliveries(client, merchant, endpoint)
    assert [d["eventId"] for d in found] == [pending["eventId"]]
    assert found[0]["status"] == "paused" and found[0]["attemptCount"] == 1
    assert len(receiver.requests) == 1

    # Enabled again: the paused delivery is sent at once; the event from the disabled
    # time is not.
    response = await call(
        client,
        "PATCH",
        f"/api/v1/webhooks/{endpoint['id']}",
        {"enabled": True},
        merchant["headers"],
    )
    assert response.status_code == 200
    delivered = await delivery_of(client, merchant, endpoint, pending["eventId"])
    assert [a["statusCode"] for a in delivered["attempts"]] == [500, 200]
    assert len(await deliveries(client, merchant, endpoint)) == 1


async def test_a_delivery_claimed_for_a_disabled_endpoint_is_paused_not_sent(
    client, app, receivers
):
    """The guard at send time: a delivery made just before the endpoint was disabled (the
    fan-out raced the PATCH) is paused by the worker, not sent, and not counted a failure."""
    ctx = app.app.extensions["checkout"]
    receiver = receivers()
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver)
    event = await ping(client, merchant, endpoint)
    stored = await ctx.db.events.find_one({"_id": event["id"]})
    [delivery_id] = await webhooks.fan_out(ctx, stored)
    # Disabled behind the service's back, as if the PATCH landed after the fan-out.
    await ctx.db.webhook_endpoints.update_one({"_id": endpoint["id"]}, {"$set": {"enabled": False}})
    delivery = await webhooks.claim_due(ctx, delivery_id)
    async with httpx.AsyncClient(trust_env=False) as http:
        assert await webhooks.deliver(ctx, http, delivery) == "paused"
    assert receiver.requests == []
    [found] = await deliveries(client, merchant, endpoint)
    assert found["status"] == "paused" and found["attempts"] == []


async def test_a_pause_that_lands_after_the_endpoint_was_enabled_again_is_undone(
    client, app, receivers
):
    """The worker read the endpoint as disabled, then it was enabled (and its paused
    deliveries resumed), then the worker's pause landed: the worker re-reads the endpoint
    and resumes the delivery itself."""
    ctx = app.app.extensions["checkout"]
    receiver = receivers()
    merchant = await register(client)
    endpoint = await subscribe(client, merchant, receiver)
    event = await ping(client, merchant, endpoint)
    [delivery_id] = await webhooks.fan_out(ctx, await ctx.db.events.find_one({"_id": event["id"]}))
    delivery = await webhooks.claim_due(ctx, delivery_id)
    # The endpoint is enabled by now: what the worker writes next is the late pause.
    assert await webhooks._pause(ctx, delivery) == "pending"
    [found] = await deliveries(client, merchant, endpoint)
    assert found["status"] == "pending" and found["attempts"] == []
