import re
import secrets
from decimal import Decimal

import httpx
import pytest

from checkout import create_app
from tests import live
from tests.integration.money_out_support import PIN, balance, pay
from tests.support import body, call, register

LINKS = "/api/v1/payment-links"


async def create_link(client, merchant, **extra):
    payload = {
        "walletCode": merchant["walletCode"],
        "amount": Decimal("25.00"),
        "description": "Concert ticket",
        **extra,
    }
    response = await call(client, "POST", LINKS, payload, merchant["headers"])
    assert response.status_code == 201, await response.get_data()
    return await body(response)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


async def visit(client, link) -> dict:
    """Open the link as a shopper: the landing page, then Continue (POST), a 303 to a
    fresh checkout session."""
    landing = await client.get(f"/pay/{link['code']}")
    assert landing.status_code == 200, await landing.get_data()
    token = csrf_token(await landing.get_data(as_text=True))
    response = await client.post(f"/pay/{link['code']}", form={"csrf_token": token})
    assert response.status_code == 303, await response.get_data()
    location = response.headers["Location"]
    assert location.startswith("/checkout/cs_")
    session_id = location.rsplit("/", 1)[1]
    return {"transactionTraceId": session_id, "location": location}


async def session_for(client, merchant, session_id) -> dict:
    response = await call(
        client, "GET", f"/api/v1/txn/payment-session/{session_id}", headers=merchant["headers"]
    )
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
    assert [(li["code"], li["completedPayments"]) for li in listed["data"]] == [(link["code"], 1)]
    stored = await app.app.extensions["checkout"].db.payment_sessions.find_one(
        {"_id": second["transactionTraceId"]}
    )
    assert stored["link_code"] == link["code"] and stored["status"] == "open"


async def test_max_payments_is_never_exceeded(client):
    merchant = await register(client)
    first_shopper = await register(client, "First", pin=PIN)
    late_shopper = await register(client, "Late", pin=PIN)
    link = await create_link(client, merchant, maxPayments=1)
    early, late = await visit(client, link), await visit(client, link)  # both hold open sessions
    session = await session_for(client, merchant, early["transactionTraceId"])
    assert (await pay(client, session, first_shopper)).status_code == 200

    refused = await pay(
        client, await session_for(client, merchant, late["transactionTraceId"]), late_shopper
    )
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
    response = await call(
        client, "POST", f"{LINKS}/{link['code']}/deactivate", headers=merchant["headers"]
    )
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
        ({"amount": "5"}, 400),
        ({"amount": Decimal("0")}, 400),
        ({"amount": Decimal("1.234")}, 400),
        ({"description": None}, 400),
        ({"description": ""}, 400),
        ({"description": 7}, 400),
        ({"successUrl": "javascript:alert(1)"}, 400),
        ({"maxPayments": 0}, 400),
        ({"maxPayments": True}, 400),
        ({"maxPayments": "3"}, 400),
        ({"maxPayments": 2.5}, 400),
        ({"walletCode": other["walletCode"]}, 404),
        ({"walletCode": "wllt-nope"}, 404),
        ({"walletCode": ["x"]}, 400),
    ]
    for extra, status in cases:
        response = await call(client, "POST", LINKS, {**base, **extra}, merchant["headers"])
        assert response.status_code == status, (extra, await response.get_data())
        assert "error" in await body(response)
    assert (
        await call(client, "POST", LINKS, raw=b"{", headers=merchant["headers"])
    ).status_code == 400
    assert (await call(client, "POST", LINKS, base)).status_code == 401
    assert (await call(client, "GET", LINKS)).status_code == 401
    assert (
        await call(client, "GET", f"{LINKS}?limit=abc", headers=merchant["headers"])
    ).status_code == 400
    assert (
        await call(client, "GET", f"{LINKS}?limit=0", headers=merchant["headers"])
    ).status_code == 400
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


# --- the landing page: visits create nothing; only Continue (POST with CSRF) does -----------


def live_link(base_url, merchant, **extra) -> dict:
    response = live.api(
        base_url,
        "POST",
        LINKS,
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("25.00"),
            "description": "Concert ticket",
            **extra,
        },
        merchant["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


def live_session_count(base_url, merchant) -> int:
    response = live.api(
        base_url, "GET", "/api/v1/txn/payment-sessions?limit=100", headers=merchant["headers"]
    )
    assert response.status_code == 200, response.text
    return len(response.json()["data"])


def test_visits_and_previews_create_no_session(live_server):
    merchant = live.register(live_server, organization="Harbour Books")
    link = live_link(live_server, merchant)
    url = f"{live_server}/pay/{link['code']}"
    for _ in range(5):
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"
        for shown in (
            "Harbour Books",
            "Concert ticket",
            "$25.00",
            "$0.05",
            "$25.05",
            "Continue to payment",
        ):
            assert shown in page.text, shown
        head = httpx.head(url, timeout=30)
        assert head.status_code == 200 and head.content == b""
    # A link previewer in another language, and one that follows redirects: still nothing.
    assert httpx.get(url + "?lang=fr", timeout=30, follow_redirects=True).status_code == 200
    assert live_session_count(live_server, merchant) == 0


def test_continue_needs_the_csrf_token_and_creates_exactly_one_session(live_server):
    merchant = live.register(live_server, organization="Harbour Books")
    link = live_link(live_server, merchant)
    url = f"{live_server}/pay/{link['code']}"
    with httpx.Client(timeout=30) as browser:
        landing = browser.get(url)
        token = csrf_token(landing.text)
        refused = browser.post(url, data={})
        assert refused.status_code == 400
        assert "Continue to payment" in refused.text and "Nothing was charged" in refused.text
        forged = browser.post(url, data={"csrf_token": "x" * 40})
        assert forged.status_code == 400
        assert live_session_count(live_server, merchant) == 0

        created = browser.post(url, data={"csrf_token": token})
        assert created.status_code == 303
        location = created.headers["Location"]
        assert location.startswith("/checkout/cs_")
        assert live_session_count(live_server, merchant) == 1
        checkout = browser.get(live_server + location)
        assert checkout.status_code == 200 and "Concert ticket" in checkout.text
    # Without the cookie the token is worth nothing either.
    assert httpx.post(url, data={"csrf_token": token}, timeout=30).status_code == 400
    assert live_session_count(live_server, merchant) == 1


def test_landing_page_keeps_the_language_and_the_security_headers(live_server):
    from tests.integration.test_security_headers import assert_strict_headers

    merchant = live.register(live_server)
    link = live_link(live_server, merchant)
    url = f"{live_server}/pay/{link['code']}?lang=fr"
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url)
        assert page.status_code == 200 and 'lang="fr"' in page.text
        assert "Continuer vers le paiement" in page.text
        assert_strict_headers(page)
        created = browser.post(url, data={"csrf_token": csrf_token(page.text)})
        assert created.status_code == 303 and created.headers["Location"].endswith("?lang=fr")
        assert_strict_headers(created)
    arabic = httpx.get(f"{live_server}/pay/{link['code']}?lang=ar", timeout=30)
    assert 'dir="rtl"' in arabic.text and "Continue to payment" not in arabic.text


def test_unusable_links_still_show_their_page_on_post(live_server):
    merchant = live.register(live_server)
    link = live_link(live_server, merchant)
    url = f"{live_server}/pay/{link['code']}"
    with httpx.Client(timeout=30) as browser:
        token = csrf_token(browser.get(url).text)
        off = live.api(
            live_server, "POST", f"{LINKS}/{link['code']}/deactivate", headers=merchant["headers"]
        )
        assert off.status_code == 200
        for response in (
            browser.get(url),
            browser.head(url),
            browser.post(url, data={"csrf_token": token}),
        ):
            assert response.status_code == 410
        assert "no longer active" in browser.post(url, data={"csrf_token": token}).text
        missing = browser.post(f"{live_server}/pay/plink_nope", data={"csrf_token": token})
        assert missing.status_code == 404
    assert live_session_count(live_server, merchant) == 0


@pytest.fixture
async def limited_client(settings):
    """A per-address limit of 3 link sessions a minute, the address taken from one
    trusted proxy's X-Forwarded-For (so this test has addresses of its own)."""
    app = create_app(settings.replace(link_sessions_per_minute=3, trusted_proxy_hops=1))
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def test_continue_is_rate_limited_per_address(limited_client):
    client = limited_client
    merchant = await register(client)
    link = await create_link(client, merchant)
    url = f"/pay/{link['code']}"
    address = {"X-Forwarded-For": f"203.0.113.{secrets.randbelow(250) + 1}"}
    token = csrf_token(await (await client.get(url, headers=address)).get_data(as_text=True))
    statuses = [
        (await client.post(url, form={"csrf_token": token}, headers=address)).status_code
        for _ in range(3)
    ]
    assert statuses == [303, 303, 303]
    over = await client.post(url, form={"csrf_token": token}, headers=address)
    assert over.status_code == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    text = await over.get_data(as_text=True)
    assert "Too many payment pages" in text and "Continue to payment" in text
    assert over.headers["Cache-Control"] == "no-store"
    # Visits are not limited (they create nothing), and another address still gets through.
    assert (await client.get(url, headers=address)).status_code == 200
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert (await client.post(url, form={"csrf_token": token}, headers=other)).status_code == 303
    sessions = await body(
        await call(client, "GET", "/api/v1/txn/payment-sessions", headers=merchant["headers"])
    )
    assert len(sessions["data"]) == 4


async def test_a_zero_limit_turns_the_rate_limit_off(settings):
    app = create_app(settings.replace(link_sessions_per_minute=0))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        link = await create_link(client, merchant)
        for _ in range(5):
            await visit(client, link)
