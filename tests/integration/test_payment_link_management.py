"""Payment links (issue 13): read one, change it, page the list, cancelUrl and metadata passed
on to sessions, customer-chosen amounts, and "Start again" on an expired link session.
Over HTTP on the real stores."""

from datetime import timedelta
from decimal import Decimal

from checkout.services import utcnow
from checkout.storage import sessions as session_store
from tests.integration.money_out_support import PIN, pay
from tests.integration.test_payment_links import LINKS, create_link, csrf_token, session_for, visit
from tests.support import body, call, register


async def test_read_one_link_and_another_accounts_is_a_404(client):
    merchant, other = await register(client), await register(client, "Other")
    link = await create_link(client, merchant)
    read = await call(client, "GET", f"{LINKS}/{link['code']}", headers=merchant["headers"])
    assert read.status_code == 200
    assert await body(read) == link
    for headers, code in ((other["headers"], link["code"]), (merchant["headers"], "plink_nope")):
        missing = await call(client, "GET", f"{LINKS}/{code}", headers=headers)
        assert missing.status_code == 404
        assert (await body(missing))["error"]["code"] == "payment_link_not_found"
    assert (await call(client, "GET", f"{LINKS}/{link['code']}")).status_code == 401


async def test_patch_changes_description_active_and_max_payments(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    link = await create_link(client, merchant, maxPayments=5)
    url = f"{LINKS}/{link['code']}"
    changed = await call(
        client,
        "PATCH",
        url,
        {"description": "Concert ticket (row B)", "maxPayments": 3},
        merchant["headers"],
    )
    assert changed.status_code == 200, await changed.get_data()
    data = await body(changed)
    assert data["description"] == "Concert ticket (row B)" and data["maxPayments"] == 3
    off = await body(await call(client, "PATCH", url, {"active": False}, merchant["headers"]))
    assert off["active"] is False and off["deactivatedAt"]
    assert (await client.get(f"/pay/{link['code']}")).status_code == 410
    on = await body(await call(client, "PATCH", url, {"active": True}, merchant["headers"]))
    assert on["active"] is True and on["deactivatedAt"] is None
    landing = await client.get(f"/pay/{link['code']}")
    assert landing.status_code == 200 and "row B" in await landing.get_data(as_text=True)

    # maxPayments may not go below the payments already completed.
    for _ in range(2):
        session = await session_for(
            client, merchant, (await visit(client, link))["transactionTraceId"]
        )
        assert (await pay(client, session, shopper)).status_code == 200
    below = await call(client, "PATCH", url, {"maxPayments": 1}, merchant["headers"])
    assert below.status_code == 409
    error = (await body(below))["error"]
    assert error["code"] == "max_payments_below_completed" and error["field"] == "maxPayments"
    exact = await body(await call(client, "PATCH", url, {"maxPayments": 2}, merchant["headers"]))
    assert exact["maxPayments"] == 2 and exact["completedPayments"] == 2
    assert (await client.get(f"/pay/{link['code']}")).status_code == 410  # used up now


async def test_patch_refuses_bad_input_and_other_accounts(client):
    merchant, other = await register(client), await register(client, "Other")
    link = await create_link(client, merchant)
    url = f"{LINKS}/{link['code']}"
    for payload, field in (
        ({}, None),
        ({"active": "no"}, "active"),
        ({"active": 0}, "active"),
        ({"description": ""}, "description"),
        ({"maxPayments": 0}, "maxPayments"),
        ({"amount": 3}, "amount"),
        ({"description": 7}, "description"),
    ):
        response = await call(client, "PATCH", url, payload, merchant["headers"])
        assert response.status_code == 400, (payload, await response.get_data())
        if field:
            error = (await body(response))["error"]
            assert field in (error.get("field"), *(error.get("fields") or [])), payload
    foreign = await call(client, "PATCH", url, {"active": False}, other["headers"])
    assert foreign.status_code == 404
    assert (await body(await call(client, "GET", url, headers=merchant["headers"])))["active"]


async def test_the_list_is_paginated(client):
    merchant = await register(client)
    codes = [
        (await create_link(client, merchant, description=f"Item {n}"))["code"] for n in range(5)
    ]
    newest_first = codes[::-1]
    seen, cursor, pages = [], None, []
    for _ in range(len(codes)):  # never more pages than links
        query = "limit=2" + (f"&startingAfter={cursor}" if cursor else "")
        page = await body(
            await call(client, "GET", f"{LINKS}?{query}", headers=merchant["headers"])
        )
        seen += [link["code"] for link in page["data"]]
        cursor = page["nextCursor"]
        pages.append((page["hasMore"], cursor, seen[-1] if seen else None))
        if not page["hasMore"]:
            break
    # Every page but the last says there is more and points at its own last link.
    assert pages[-1][:2] == (False, None)
    assert all(more and cursor == last for more, cursor, last in pages[:-1])
    assert seen == newest_first
    other = await register(client, "Other")
    foreign = await call(
        client, "GET", f"{LINKS}?startingAfter={codes[0]}", headers=other["headers"]
    )
    assert foreign.status_code == 400
    assert (await body(foreign))["error"]["field"] == "startingAfter"


async def test_cancel_url_and_metadata_are_kept_and_passed_on(client):
    merchant = await register(client)
    link = await create_link(
        client, merchant, cancelUrl="https://acme.test/shop", metadata={"campaign": "spring"}
    )
    assert link["cancelUrl"] == "https://acme.test/shop"
    assert link["metadata"] == {"campaign": "spring"}
    opened = await visit(client, link)
    session = await session_for(client, merchant, opened["transactionTraceId"])
    assert session["cancelUrl"] == "https://acme.test/shop"
    assert session["metadata"] == {"campaign": "spring"}
    page = await client.get(opened["location"])
    assert 'href="https://acme.test/shop"' in await page.get_data(as_text=True)
    bad = await call(
        client,
        "POST",
        LINKS,
        {
            "walletCode": merchant["walletCode"],
            "amount": 1,
            "description": "x",
            "metadata": {"$x": "y"},
        },
        merchant["headers"],
    )
    assert bad.status_code == 400 and (await body(bad))["error"]["field"] == "metadata"


# --- customer-chosen amounts -------------------------------------------------------------


async def custom_link(client, merchant, **custom):
    custom = custom or {
        "minimum": Decimal("2.00"),
        "maximum": Decimal("500.00"),
        "preset": Decimal("10.00"),
    }
    response = await call(
        client,
        "POST",
        LINKS,
        {
            "walletCode": merchant["walletCode"],
            "description": "Tip jar",
            "customAmount": custom,
        },
        merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    return await body(response)


async def continue_with(client, link, amount: str, lang: str = ""):
    url = f"/pay/{link['code']}" + (f"?lang={lang}" if lang else "")
    landing = await client.get(url)
    assert landing.status_code == 200
    token = csrf_token(await landing.get_data(as_text=True))
    return await client.post(url, form={"csrf_token": token, "amount": amount})


async def test_custom_amount_link_takes_the_typed_amount(client):
    merchant = await register(client)
    link = await custom_link(client, merchant)
    assert link["amount"] is None
    assert link["customAmount"] == {
        "minimum": Decimal("2.00"),
        "maximum": Decimal("500.00"),
        "preset": Decimal("10.00"),
    }
    landing = await (await client.get(f"/pay/{link['code']}")).get_data(as_text=True)
    assert 'name="amount"' in landing and 'value="10.00"' in landing
    assert "$2.00" in landing and "$500.00" in landing
    response = await continue_with(client, link, " 12.5 ")
    assert response.status_code == 303, await response.get_data()
    session_id = response.headers["Location"].rsplit("/", 1)[1]
    session = await session_for(client, merchant, session_id)
    assert session["amount"] == Decimal("12.50") and session["paymentLinkCode"] == link["code"]
    # A French shopper writes a decimal comma.
    french = await continue_with(client, link, "7,25", lang="fr")
    assert french.status_code == 303
    session = await session_for(
        client, merchant, french.headers["Location"].split("?")[0].rsplit("/", 1)[1]
    )
    assert session["amount"] == Decimal("7.25")


async def test_a_bad_custom_amount_re_renders_the_form_with_a_message(client):
    merchant = await register(client)
    link = await custom_link(client, merchant)
    cases = {
        "": "Enter an amount",
        "abc": "Enter an amount",
        "1.99": "from $2.00 to $500.00",
        "500.01": "from $2.00 to $500.00",
        "-5": "Enter an amount",
        "3.333": "decimal",
        "1e3": "Enter an amount",
        "NaN": "Enter an amount",
        "9" * 40: "from $2.00",
    }
    for typed, message in cases.items():
        response = await continue_with(client, link, typed)
        assert response.status_code == 400, typed
        page = await response.get_data(as_text=True)
        assert message in page, (typed, page[-1500:])
        assert 'aria-invalid="true"' in page and "Nothing was charged" in page
    french = await continue_with(client, link, "1", lang="fr")
    assert french.status_code == 400
    assert "Saisissez un montant entre" in await french.get_data(as_text=True)
    sessions = await body(
        await call(client, "GET", "/api/v1/txn/payment-sessions", headers=merchant["headers"])
    )
    assert sessions["data"] == []


async def test_custom_amount_bounds_are_checked_when_the_link_is_made(client):
    merchant = await register(client)
    base = {"walletCode": merchant["walletCode"], "description": "Tips"}
    cases = [
        ({"customAmount": {"minimum": 5, "maximum": 2}}, "customAmount"),
        ({"customAmount": {"minimum": 1, "maximum": 5, "preset": 6}}, "customAmount"),
        ({"customAmount": {"minimum": "1", "maximum": 5}}, "customAmount"),
        ({"customAmount": {"minimum": 1}}, "customAmount"),
        ({"customAmount": {"minimum": 1, "maximum": 5, "step": 1}}, "customAmount"),
        ({"customAmount": {"minimum": Decimal("0.001"), "maximum": 5}}, "customAmount"),
        ({"customAmount": 5}, "customAmount"),
        ({"amount": 5, "customAmount": {"minimum": 1, "maximum": 5}}, "customAmount"),
        ({}, "amount"),
    ]
    for extra, field in cases:
        response = await call(client, "POST", LINKS, {**base, **extra}, merchant["headers"])
        assert response.status_code == 400, (extra, await response.get_data())
        error = (await body(response))["error"]
        assert field in (error.get("field"), *(error.get("fields") or [])), (extra, error)


# --- expired link sessions ---------------------------------------------------------------


async def test_an_expired_link_session_offers_to_start_again(client, app):
    merchant = await register(client)
    link = await create_link(client, merchant)
    opened = await visit(client, link)
    session_id = opened["transactionTraceId"]
    stores = app.app.extensions["checkout"]
    await stores.db.payment_sessions.update_one(
        {"_id": session_id}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    await session_store.forget_cached_session(stores.redis, session_id)
    page = await client.get(f"/checkout/{session_id}?lang=fr")
    assert page.status_code == 410
    text = await page.get_data(as_text=True)
    assert f'href="/pay/{link["code"]}?lang=fr"' in text and "Recommencer" in text
    # A session not made from a link keeps the plain message.
    plain = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": 1},
        merchant["headers"],
    )
    plain_id = (await body(plain))["transactionTraceId"]
    await stores.db.payment_sessions.update_one(
        {"_id": plain_id}, {"$set": {"expires_at": utcnow() - timedelta(seconds=1)}}
    )
    await session_store.forget_cached_session(stores.redis, plain_id)
    other = await (await client.get(f"/checkout/{plain_id}")).get_data(as_text=True)
    assert "/pay/" not in other and "Start again" not in other
