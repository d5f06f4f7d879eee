"""POST/GET/DELETE /api/v1/webhooks: the signing secret once, ownership, and no SSRF."""

import pytest

from tests.support import body, call, register

URL = "/api/v1/webhooks"


async def create(client, merchant, payload):
    return await call(client, "POST", URL, payload, merchant["headers"])


async def test_create_answers_the_secret_once_and_list_never_shows_it(client):
    merchant = await register(client)
    response = await create(
        client,
        merchant,
        {
            "url": "https://93.184.215.14/hooks",
            "events": ["payment_session.completed"],
            "description": "orders",
        },
    )
    assert response.status_code == 201
    created = await body(response)
    assert created["id"].startswith("we_") and created["secret"].startswith("whsec_")
    assert len(created["secret"]) > 30
    assert created["events"] == ["payment_session.completed"]

    listed = await body(await call(client, "GET", URL, headers=merchant["headers"]))
    assert [e["id"] for e in listed["data"]] == [created["id"]]
    assert "secret" not in listed["data"][0]
    assert created["secret"] not in str(listed)


async def test_delete_removes_only_your_own(client):
    owner, other = await register(client), await register(client)
    created = await body(
        await create(client, owner, {"url": "http://93.184.215.14/h", "events": ["*"]})
    )
    path = f"{URL}/{created['id']}"
    foreign = await call(client, "DELETE", path, headers=other["headers"])
    assert foreign.status_code == 404
    deleted = await call(client, "DELETE", path, headers=owner["headers"])
    assert deleted.status_code == 200 and (await body(deleted))["deleted"] is True
    again = await call(client, "DELETE", path, headers=owner["headers"])
    assert again.status_code == 404
    assert (await body(again))["error"]["code"] == "webhook_not_found"
    assert (await body(await call(client, "GET", URL, headers=owner["headers"])))["data"] == []


async def test_webhooks_need_a_login(client):
    assert (await call(client, "GET", URL)).status_code == 401
    response = await call(client, "POST", URL, {"url": "https://93.184.215.14/", "events": ["*"]})
    assert response.status_code == 401


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "http://10.0.0.5/hooks",
        "http://192.168.1.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "http://0.0.0.0/",
        "http://[::ffff:127.0.0.1]/",
        # Tunnelled: 6to4 and NAT64 wrapping 127.0.0.1, Teredo.
        "http://[2002:7f00:1::1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[2001:0:4136:e378::1]/",
    ],
)
async def test_private_loopback_and_link_local_targets_are_refused(client, url):
    merchant = await register(client)
    response = await create(client, merchant, {"url": url, "events": ["*"]})
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request" and error["field"] == "url"


@pytest.mark.parametrize(
    "payload",
    [
        {"url": "ftp://93.184.215.14/hooks", "events": ["*"]},
        {"url": "gopher://93.184.215.14/", "events": ["*"]},
        {"url": {"$ne": None}, "events": ["*"]},
        {"url": "https://93.184.215.14/", "events": []},
        {"url": "https://93.184.215.14/", "events": ["payment_session.exploded"]},
        {"url": "https://93.184.215.14/", "events": "payment_session.completed"},
        {"events": ["*"]},
        {"url": "https://no-such-host.invalid/", "events": ["*"]},
    ],
)
async def test_bad_endpoints_are_refused_with_400(client, payload):
    merchant = await register(client)
    response = await create(client, merchant, payload)
    assert response.status_code == 400
    assert (await body(response))["error"]["code"] == "invalid_request"


async def test_deliveries_of_others_are_not_yours(client):
    owner, other = await register(client), await register(client)
    created = await body(
        await create(client, owner, {"url": "https://93.184.215.14/", "events": ["*"]})
    )
    response = await call(
        client, "GET", f"{URL}/{created['id']}/deliveries", headers=other["headers"]
    )
    assert response.status_code == 404
    mine = await call(client, "GET", f"{URL}/{created['id']}/deliveries", headers=owner["headers"])
    assert mine.status_code == 200 and (await body(mine))["data"] == []
    for method, path in (
        ("GET", f"{URL}/deliveries/whd_nope"),
        ("POST", f"{URL}/deliveries/whd_nope/redeliver"),
    ):
        missing = await call(client, method, path, headers=owner["headers"])
        assert missing.status_code == 404
        assert (await body(missing))["error"]["code"] == "delivery_not_found"
