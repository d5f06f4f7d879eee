from decimal import Decimal

from tests.integration.money_out_support import PIN, balance, pay
from tests.support import body, call, register

LINKS = "/api/v1/payment-links"


async def create_link(client, merchant, **extra):
    payload = {"walletCode": merchant["walletCode"], "amount": Decimal("25.00"),
               "description": "Concert ticket", **extra}
    response = await call(client, "POST", LINKS, payload, merchant["headers"])
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def visit(client, link) -> dict:
    """Open the link as a shopper: a 303 to a fresh checkout session."""
    response = await client.get(f"/pay/{link['code']}")
    assert response.status_code == 303, await response.get_data()
    location = response.headers["Location"]
    assert location.startswith("/checkout/cs_")
    session_id = location.rsplit("/", 1)[1]
    return {"transactionTraceId": session_id, "location": location}


async def session_for(client, merchant, session_id) -> dict:
    response = await call(client, "GET", f"/api/v1/txn/payment-session/{session_id}",
                          headers=merchant["headers"])
    return await body(response)


async def test_create_list_and_pay_through_a_link(client, app):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    link = await create_link(client, merchant, successUrl="https://acme.test/thanks")
    assert link["code"].startswith("plink_")
    assert link["url"] == f"http://checkout.test/pay/{link['code']}"
    assert link["active"] is True and link["completedPayments"] == 0 and link["maxPayments"] is None

    first, second = await visit(client, link), await visit(client, link)
    assert first["transactionTraceId"] != second["transactionTraceId"]  # one session per visitor
    page = await client.get(first["location"])
    assert page.status_code == 200 and "Concert ticket" in (await page.get_data(as_text=True))

    session = await session_for(client, merchant, first["transactionTraceId"])
    assert session["amount"] == Decimal("25.00") and session["paymentLinkCode"] == link["code"]
    assert session["successUrl"] == "https://acme.test/thanks"
    paid = await pay(client, session, shopper)
    assert paid.status_code == 200
    assert await balance(client, merchant) == Decimal("1025.00")

    listed = await body(await call(client, "GET", LINKS, headers=merchant["headers"]))
    assert [(l["code"], l["completedPayments"]) for l in listed["data"]] == [(link["code"], 1)]
    stored = await app.app.extensions["checkout"].db.payment_sessions.find_one(
        {"_id": second["transactionTraceId"]})
    assert stored["link_code"] == link["code"] and stored["status"] == "open"


async def test_max_payments_is_never_exceeded(client):
    merchant = await register(client)
    first_shopper = await register(client, "First", pin=PIN)
    late_shopper = await register(client, "Late", pin=PIN)
    link = await create_link(client, merchant, maxPayments=1)
    early, late = await visit(client, link), await visit(client, link)  # both hold open sessions
    session = await session_for(client, merchant, early["transactionTraceId"])
    assert (await pay(client, session, first_shopper)).status_code == 200

    refused = await pay(client, await session_for(client, merchant, late["transactionTraceId"]),
                        late_shopper)
    assert refused.status_code == 422
    assert (await body(refused))["error"]["code"] == "payment_link_limit_reached"
    assert await balance(client, late_shopper) == Decimal("1000.00")
    still_open = await session_for(client, merchant, late["transactionTraceId"])
    assert still_open["status"] == "open"

    exhausted = await client.get(f"/pay/{link['code']}")
    assert exhausted.status_code == 410
    assert "used up" in await exhausted.get_data(as_text=True)
    listed = await body(await call(client, "GET", LINKS, headers=merchant["headers"]))
    assert listed["data"][0]["completedPayments"] == 1


async def test_deactivated_link_shows_a_friendly_410(client):
    merchant, other = await register(client), await register(client, "Other")
    link = await create_link(client, merchant)
    foreign = await call(client, "POST", f"{LINKS}/{link['code']}/deactivate", {}, other["headers"])
    assert foreign.status_code == 404  # as an unknown link: codes cannot be probed
    assert (await body(foreign))["error"]["code"] == "payment_link_not_found"
    response = await call(client, "POST", f"{LINKS}/{link['code']}/deactivate",
                          headers=merchant["headers"])
    assert response.status_code == 200
    data = await body(response)
    assert data["active"] is False and data["deactivatedAt"]
    page = await client.get(f"/pay/{link['code']}")
    assert page.status_code == 410
    text = await page.get_data(as_text=True)
    assert "no longer active" in text and "Traceback" not in text
    assert page.headers["Cache-Control"] == "no-store"
    unknown = await client.get("/pay/plink_nope")
    assert unknown.status_code == 404 and "not found" in await unknown.get_data(as_text=True)


async def test_payment_link_bad_input_and_permissions(client):
    merchant, other = await register(client), await register(client, "Other")
    base = {"walletCode": merchant["walletCode"], "amount": Decimal("5.00"), "description": "Tea"}
    cases = [
        ({"amount": "5"}, 400), ({"amount": Decimal("0")}, 400), ({"amount": Decimal("1.234")}, 400),
        ({"description": None}, 400), ({"description": ""}, 400), ({"description": 7}, 400),
        ({"successUrl": "javascript:alert(1)"}, 400), ({"maxPayments": 0}, 400),
        ({"maxPayments": True}, 400), ({"maxPayments": "3"}, 400), ({"maxPayments": 2.5}, 400),
        ({"walletCode": other["walletCode"]}, 404), ({"walletCode": "wllt-nope"}, 404),
        ({"walletCode": ["x"]}, 400),
    ]
    for extra, status in cases:
        response = await call(client, "POST", LINKS, {**base, **extra}, merchant["headers"])
        assert response.status_code == status, (extra, await response.get_data())
        assert "error" in await body(response)
    assert (await call(client, "POST", LINKS, raw=b"{", headers=merchant["headers"])).status_code == 400
    assert (await call(client, "POST", LINKS, base)).status_code == 401
    assert (await call(client, "GET", LINKS)).status_code == 401
    assert (await call(client, "GET", f"{LINKS}?limit=abc", headers=merchant["headers"])).status_code == 400
    assert (await call(client, "GET", f"{LINKS}?limit=0", headers=merchant["headers"])).status_code == 400
    missing = await call(client, "POST", f"{LINKS}/plink_nope/deactivate", {}, merchant["headers"])
    assert missing.status_code == 404
    assert (await body(missing))["error"]["code"] == "payment_link_not_found"
    listed = await body(await call(client, "GET", LINKS, headers=merchant["headers"]))
    assert listed["data"] == []


async def test_links_are_listed_only_to_their_owner(client):
    merchant, other = await register(client), await register(client, "Other")
    link = await create_link(client, merchant, maxPayments=3)
    theirs = await body(await call(client, "GET", LINKS, headers=other["headers"]))
    assert link["code"] not in str(theirs)
    key = {**merchant["headers"], "Idempotency-Key": "link-1"}
    payload = {"walletCode": merchant["walletCode"], "amount": 9, "description": "Tote bag"}
    first = await call(client, "POST", LINKS, payload, key)
    second = await call(client, "POST", LINKS, payload, key)
    assert (await body(first))["code"] == (await body(second))["code"]
    mine = await body(await call(client, "GET", LINKS, headers=merchant["headers"]))
    assert len(mine["data"]) == 2 and mine["data"][1]["maxPayments"] == 3
