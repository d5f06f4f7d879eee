"""Managing webhook endpoints (PATCH, rotate-secret, test) and reading events
(GET /api/v1/events), over HTTP on the real stores. Delivery itself (worker, receiver) is
in test_webhook_rotation_and_ping.py."""

from datetime import timedelta

import pytest

from checkout.services import utcnow, webhooks
from checkout.services.events import EVENT_RETENTION_DAYS
from checkout.storage import events as event_store
from tests.support import body, call, create_session, register

URL = "/api/v1/webhooks"
PUBLIC = "https://93.184.215.14/hooks"


async def create(client, merchant, **payload):
    payload = {"url": PUBLIC, "events": ["*"], **payload}
    response = await call(client, "POST", URL, payload, merchant["headers"])
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def patch(client, merchant, endpoint_id, payload):
    return await call(client, "PATCH", f"{URL}/{endpoint_id}", payload, merchant["headers"])


# --- PATCH ---


async def test_patch_changes_url_events_description_and_enabled(client):
    merchant = await register(client)
    created = await create(client, merchant, description="orders")
    assert created["enabled"] is True

    response = await patch(
        client,
        merchant,
        created["id"],
        {
            "url": "https://93.184.215.15/new",
            "events": ["refund.succeeded"],
            "description": "refunds only",
            "enabled": False,
        },
    )
    assert response.status_code == 200, await response.get_data()
    changed = await body(response)
    assert changed["url"] == "https://93.184.215.15/new"
    assert changed["events"] == ["refund.succeeded"]
    assert changed["description"] == "refunds only" and changed["enabled"] is False
    assert "secret" not in changed

    [listed] = (await body(await call(client, "GET", URL, headers=merchant["headers"])))["data"]
    assert listed == changed

    # Only what is sent changes; description: null clears it.
    again = await body(
        await patch(client, merchant, created["id"], {"enabled": True, "description": None})
    )
    assert again["enabled"] is True and again["description"] is None
    assert again["events"] == ["refund.succeeded"] and again["url"] == changed["url"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://169.254.169.254/",
        "http://[64:ff9b::7f00:1]/",
        "ftp://93.184.215.14/",
    ],
)
async def test_patch_applies_the_same_url_checks_as_create(client, url):
    merchant = await register(client)
    created = await create(client, merchant)
    response = await patch(client, merchant, created["id"], {"url": url})
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request" and error["field"] == "url"
    [listed] = (await body(await call(client, "GET", URL, headers=merchant["headers"])))["data"]
    assert listed["url"] == PUBLIC


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, None),
        ({"events": []}, "events"),
        ({"events": ["ping"]}, "events"),  # a test event, never a subscription
        ({"enabled": "no"}, "enabled"),
        ({"enabled": None}, "enabled"),
        ({"url": None}, "url"),
        ({"secret": "whsec_mine"}, "secret"),
    ],
)
async def test_bad_patches_are_refused_and_change_nothing(client, payload, field):
    merchant = await register(client)
    created = await create(client, merchant)
    response = await patch(client, merchant, created["id"], payload)
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request"
    named = error.get("fields") or [error.get("field")]
    assert field is None or field in named, (field, named)
    [listed] = (await body(await call(client, "GET", URL, headers=merchant["headers"])))["data"]
    assert listed["events"] == ["*"] and listed["enabled"] is True


async def test_another_accounts_endpoint_cannot_be_changed_rotated_or_tested(client):
    owner, other = await register(client), await register(client)
    created = await create(client, owner)
    for method, path, payload in (
        ("PATCH", f"{URL}/{created['id']}", {"enabled": False}),
        ("POST", f"{URL}/{created['id']}/rotate-secret", None),
        ("POST", f"{URL}/{created['id']}/test", None),
        ("PATCH", f"{URL}/we_nope", {"enabled": False}),
    ):
        response = await call(client, method, path, payload, other["headers"])
        assert response.status_code == 404, (method, path)
        assert (await body(response))["error"]["code"] == "webhook_not_found"
    [listed] = (await body(await call(client, "GET", URL, headers=owner["headers"])))["data"]
    assert listed["enabled"] is True and listed["previousSecretExpiresAt"] is None


# --- rotate-secret ---


async def test_rotate_secret_answers_a_new_secret_once_and_keeps_the_old_for_24_hours(client, app):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    created = await create(client, merchant)
    before = utcnow()
    response = await call(
        client, "POST", f"{URL}/{created['id']}/rotate-secret", headers=merchant["headers"]
    )
    assert response.status_code == 200, await response.get_data()
    rotated = await body(response)
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["id"] == created["id"]

    stored = await ctx.db.webhook_endpoints.find_one({"_id": created["id"]})
    assert stored["secret"] == rotated["secret"]
    assert stored["previous_secret"] == created["secret"]
    overlap = stored["previous_secret_expires_at"] - before
    assert timedelta(hours=24) <= overlap < timedelta(hours=24, minutes=1)
    assert rotated["previousSecretExpiresAt"] is not None

    listed = await body(await call(client, "GET", URL, headers=merchant["headers"]))
    assert rotated["secret"] not in str(listed) and created["secret"] not in str(listed)

    refused = await call(
        client,
        "POST",
        f"{URL}/{created['id']}/rotate-secret",
        {"secret": "whsec_mine"},
        merchant["headers"],
    )
    assert refused.status_code == 400


# --- test (ping) ---


async def test_test_records_a_ping_event_for_that_endpoint(client, app):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    created = await create(client, merchant)
    response = await call(
        client, "POST", f"{URL}/{created['id']}/test", headers=merchant["headers"]
    )
    assert response.status_code == 202, await response.get_data()
    event = await body(response)
    assert event["type"] == "ping" and event["id"].startswith("evt_")
    assert event["data"]["endpointId"] == created["id"]
    stored = await ctx.db.events.find_one({"_id": event["id"]})
    assert stored["endpoint_id"] == created["id"]
    # Pushed to the stream by the request itself, which leaves no published mark (only
    # the relay marks what it pushes: services/events.publish_pending).
    assert stored["published_at"] is None
    entries = await ctx.redis.xrevrange(event_store.STREAM, count=50)
    assert any(fields.get("event_id") == event["id"] for _, fields in entries)

    read = await call(client, "GET", f"/api/v1/events/{event['id']}", headers=merchant["headers"])
    assert read.status_code == 200 and await body(read) == event


async def test_a_disabled_endpoint_cannot_be_tested(client):
    merchant = await register(client)
    created = await create(client, merchant)
    await patch(client, merchant, created["id"], {"enabled": False})
    response = await call(
        client, "POST", f"{URL}/{created['id']}/test", headers=merchant["headers"]
    )
    assert response.status_code == 409
    assert (await body(response))["error"]["code"] == "webhook_disabled"


# --- events ---


async def cancel(client, merchant, session):
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{session['transactionTraceId']}/expire",
        headers=merchant["headers"],
    )
    assert response.status_code == 200


async def canceled_sessions(client, merchant, count):
    sessions = []
    for _ in range(count):
        session = await create_session(client, merchant)
        await cancel(client, merchant, session)
        sessions.append(session["transactionTraceId"])
    return sessions


async def events_page(client, merchant, query=""):
    response = await call(client, "GET", f"/api/v1/events{query}", headers=merchant["headers"])
    assert response.status_code == 200, await response.get_data()
    return await body(response)


async def test_events_are_listed_newest_first_with_cursor_pagination(client):
    merchant, other = await register(client), await register(client)
    sids = await canceled_sessions(client, merchant, 3)
    await canceled_sessions(client, other, 1)

    first = await events_page(client, merchant, "?limit=2")
    assert [e["data"]["transactionTraceId"] for e in first["data"]] == sids[::-1][:2]
    assert first["hasMore"] is True and first["nextCursor"] == first["data"][-1]["id"]
    event = first["data"][0]
    assert event["type"] == "payment_session.canceled" and event["createdAt"].endswith("Z")
    assert event["data"]["status"] == "canceled"

    second = await events_page(client, merchant, f"?limit=2&startingAfter={first['nextCursor']}")
    assert [e["data"]["transactionTraceId"] for e in second["data"]] == [sids[0]]
    assert second["hasMore"] is False and second["nextCursor"] is None

    whole = await events_page(client, merchant)
    assert len(whole["data"]) == 3  # never the other account's


async def test_events_filter_by_type(client):
    merchant = await register(client)
    created = await create(client, merchant)
    await canceled_sessions(client, merchant, 2)
    await call(client, "POST", f"{URL}/{created['id']}/test", headers=merchant["headers"])

    pings = await events_page(client, merchant, "?type=ping")
    assert [e["type"] for e in pings["data"]] == ["ping"]
    canceled = await events_page(client, merchant, "?type=payment_session.canceled")
    assert [e["type"] for e in canceled["data"]] == ["payment_session.canceled"] * 2
    assert (await events_page(client, merchant, "?type=refund.succeeded"))["data"] == []

    bad = await call(
        client, "GET", "/api/v1/events?type=payment_session.exploded", headers=merchant["headers"]
    )
    assert bad.status_code == 400 and (await body(bad))["error"]["field"] == "type"


async def test_another_accounts_event_answers_like_an_unknown_one(client):
    owner, other = await register(client), await register(client)
    await canceled_sessions(client, owner, 1)
    [event] = (await events_page(client, owner))["data"]

    mine = await call(client, "GET", f"/api/v1/events/{event['id']}", headers=owner["headers"])
    assert mine.status_code == 200 and await body(mine) == event
    for event_id in (event["id"], "evt_nope"):
        response = await call(client, "GET", f"/api/v1/events/{event_id}", headers=other["headers"])
        assert response.status_code == 404
        assert (await body(response))["error"]["code"] == "event_not_found"
    foreign_cursor = await call(
        client, "GET", f"/api/v1/events?startingAfter={event['id']}", headers=other["headers"]
    )
    assert foreign_cursor.status_code == 400
    assert (await call(client, "GET", "/api/v1/events")).status_code == 401


async def test_events_older_than_30_days_are_not_listed_and_expire_by_ttl(client, app):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    old_sid, new_sid = await canceled_sessions(client, merchant, 2)
    old = await ctx.db.events.find_one({"subject": old_sid})
    await ctx.db.events.update_one(
        {"_id": old["_id"]},
        {"$set": {"created_at": utcnow() - timedelta(days=EVENT_RETENTION_DAYS, minutes=1)}},
    )

    listed = await events_page(client, merchant)
    assert [e["data"]["transactionTraceId"] for e in listed["data"]] == [new_sid]
    gone = await call(client, "GET", f"/api/v1/events/{old['_id']}", headers=merchant["headers"])
    assert gone.status_code == 404

    # MongoDB's TTL monitor deletes them (about once a minute) after the same 30 days.
    ttl = [
        index
        for index in (await ctx.db.events.index_information()).values()
        if index.get("expireAfterSeconds") is not None
    ]
    assert [(i["key"], i["expireAfterSeconds"]) for i in ttl] == [
        ([("created_at", 1)], EVENT_RETENTION_DAYS * 86400)
    ]


async def test_redelivering_an_event_past_its_30_days_answers_404(client, app):
    ctx = app.app.extensions["checkout"]
    merchant = await register(client)
    created = await create(client, merchant)
    event = await body(
        await call(client, "POST", f"{URL}/{created['id']}/test", headers=merchant["headers"])
    )
    [delivery_id] = await webhooks.fan_out(ctx, await ctx.db.events.find_one({"_id": event["id"]}))
    await ctx.db.events.delete_one({"_id": event["id"]})  # what the TTL index does

    response = await call(
        client, "POST", f"{URL}/deliveries/{delivery_id}/redeliver", headers=merchant["headers"]
    )
    assert response.status_code == 404
    assert (await body(response))["error"]["code"] == "event_not_found"
