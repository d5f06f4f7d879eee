"""Payment session options (issue 13): expiresAt, customerEmail, lineItems, locale, and the
session list's filters. Over HTTP on the real stores."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from checkout.jsonenc import loads
from checkout.storage import sessions as session_store
from tests.integration.money_out_support import PIN, pay
from tests.support import body, call, create_session, register

SESSIONS = "/api/v1/txn/payment-sessions"


def iso(value: datetime) -> str:
    return value.isoformat()


def new_session_url(merchant) -> str:
    return f"/api/v1/txn/payment-session/{merchant['walletCode']}"


async def post_session(client, merchant, payload):
    return await call(client, "POST", new_session_url(merchant), payload, merchant["headers"])


def stores(app):
    return app.app.extensions["checkout"]


# --- expiresAt ---------------------------------------------------------------------------


async def test_expires_at_sets_the_expiry_and_the_redis_ttl(client, app):
    merchant = await register(client)
    wanted = datetime.now(UTC) + timedelta(hours=2)
    # Any offset is taken; the session answers in UTC.
    paris = wanted.astimezone(timezone(timedelta(hours=2)))
    session = await create_session(client, merchant, expiresAt=iso(paris))
    expires = datetime.fromisoformat(session["expiresAt"].replace("Z", "+00:00"))
    assert abs((expires - wanted).total_seconds()) < 1
    assert 7190 <= session["session-time"] <= 7200
    ttl = await session_store.cached_seconds_left(stores(app).redis, session["transactionTraceId"])
    assert 7190 <= ttl <= 7200  # the Redis copy lives as long as the session, not SESSION_TTL


async def test_without_expires_at_session_ttl_applies(client, app, settings):
    merchant = await register(client)
    session = await create_session(client, merchant)
    assert settings.session_ttl - 5 <= session["session-time"] <= settings.session_ttl


async def test_expires_at_out_of_range_or_malformed_is_a_400_naming_it(client):
    merchant = await register(client)
    now = datetime.now(UTC)
    bad = [
        iso(now + timedelta(seconds=30)),  # under a minute
        iso(now - timedelta(hours=1)),  # past
        iso(now + timedelta(days=7, minutes=5)),  # over 7 days
        (now + timedelta(hours=1)).replace(tzinfo=None).isoformat(),  # no timezone
        "tomorrow",
        "",
        1893456000,
        True,
        {"$gt": 1},
    ]
    for value in bad:
        response = await post_session(
            client, merchant, {"amount": Decimal("5.00"), "expiresAt": value}
        )
        assert response.status_code == 400, (value, await response.get_data())
        assert (await body(response))["error"]["field"] == "expiresAt", value
    ok = await post_session(
        client,
        merchant,
        {"amount": Decimal("5.00"), "expiresAt": iso(now + timedelta(days=6, hours=23))},
    )
    assert ok.status_code == 201, await ok.get_data()


# --- customerEmail -----------------------------------------------------------------------


async def test_customer_email_is_validated_stored_and_shown(client, app):
    merchant = await register(client)
    session = await create_session(client, merchant, customerEmail="Ada@Example.com")
    assert session["customerEmail"] == "ada@example.com"
    read = await body(
        await call(
            client,
            "GET",
            f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
            headers=merchant["headers"],
        )
    )
    assert read["customerEmail"] == "ada@example.com"
    page = await client.get(f"/checkout/{session['transactionTraceId']}")
    assert "ada@example.com" in await page.get_data(as_text=True)
    for value in ("not-an-email", "", 7, ["a@b.co"]):
        response = await post_session(
            client, merchant, {"amount": Decimal("5.00"), "customerEmail": value}
        )
        assert response.status_code == 400, value
        assert (await body(response))["error"]["field"] == "customerEmail"
    plain = await create_session(client, merchant)
    assert plain["customerEmail"] is None


async def test_customer_email_is_in_the_webhook_event(client, app):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await create_session(
        client,
        merchant,
        amount=None,
        customerEmail="ada@example.com",
        lineItems=[{"description": "Tea", "quantity": 2, "unitAmount": Decimal("1.50")}],
    )
    assert (await pay(client, session, shopper)).status_code == 200
    event = await stores(app).db.events.find_one(
        {"type": "payment_session.completed", "subject": session["transactionTraceId"]}
    )
    data = loads(event["payload"])["data"]
    assert data["customerEmail"] == "ada@example.com"
    assert data["lineItems"][0]["description"] == "Tea"


# --- lineItems ---------------------------------------------------------------------------

ITEMS = [
    {"description": "Flat white", "quantity": 2, "unitAmount": Decimal("3.40")},
    {"description": "Croissant <b>au beurre</b>", "quantity": 1, "unitAmount": Decimal("2.15")},
]


async def test_line_items_give_the_amount_and_are_listed(client):
    merchant = await register(client)
    session = await create_session(client, merchant, amount=None, lineItems=ITEMS)
    assert session["amount"] == Decimal("8.95")
    assert session["lineItems"] == [
        {
            "description": "Flat white",
            "quantity": 2,
            "unitAmount": Decimal("3.40"),
            "amount": Decimal("6.80"),
        },
        {
            "description": "Croissant <b>au beurre</b>",
            "quantity": 1,
            "unitAmount": Decimal("2.15"),
            "amount": Decimal("2.15"),
        },
    ]
    both = await create_session(client, merchant, amount=Decimal("8.95"), lineItems=ITEMS)
    assert both["amount"] == Decimal("8.95")
    page = await (await client.get(f"/checkout/{session['transactionTraceId']}")).get_data(
        as_text=True
    )
    assert "Flat white" in page and "$6.80" in page
    assert "Croissant &lt;b&gt;au beurre&lt;/b&gt;" in page and "<b>au beurre" not in page


async def test_line_items_that_disagree_with_the_amount_are_a_422(client):
    merchant = await register(client)
    response = await post_session(client, merchant, {"amount": Decimal("9.00"), "lineItems": ITEMS})
    assert response.status_code == 422
    error = (await body(response))["error"]
    assert error["code"] == "amount_mismatch" and "8.95" in error["message"]


async def test_bad_line_items_are_a_400_naming_the_field(client):
    merchant = await register(client)
    item = {"description": "Tea", "quantity": 1, "unitAmount": Decimal("1.00")}
    cases = [
        [],
        [item] * 101,
        "tea",
        [7],
        [{**item, "quantity": 0}],
        [{**item, "quantity": 1.5}],
        [{**item, "quantity": True}],
        [{**item, "quantity": 1_000_001}],
        [{**item, "quantity": "2"}],
        [{**item, "unitAmount": "1.00"}],
        [{**item, "unitAmount": Decimal("0")}],
        [{**item, "unitAmount": Decimal("1.001")}],
        [{**item, "description": ""}],
        [{**item, "description": None}],
        [{**item, "colour": "red"}],
        [{"quantity": 1, "unitAmount": Decimal("1.00")}],
        [{**item, "quantity": 1_000_000, "unitAmount": Decimal("9999999999")}],  # too large
    ]
    for items in cases:
        response = await post_session(client, merchant, {"lineItems": items})
        assert response.status_code == 400, (items[:2], await response.get_data())
        assert (await body(response))["error"]["field"] in ("lineItems", "amount"), items[:2]
    neither = await post_session(client, merchant, {"description": "nothing to pay"})
    assert neither.status_code == 400
    assert (await body(neither))["error"]["fields"] == ["amount"]


async def test_line_items_are_on_the_receipt(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await create_session(client, merchant, amount=None, lineItems=ITEMS)
    assert (await pay(client, session, shopper)).status_code == 200
    receipt = await (await client.get(f"/checkout/{session['transactionTraceId']}")).get_data(
        as_text=True
    )
    assert "Payment complete" in receipt and "Flat white" in receipt and "$6.80" in receipt


# --- locale ------------------------------------------------------------------------------


async def test_locale_preselects_the_page_language_and_lang_still_wins(client):
    merchant = await register(client)
    french = await create_session(client, merchant, locale="fr")
    assert french["locale"] == "fr"
    url = f"/checkout/{french['transactionTraceId']}"
    page = await client.get(url, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert 'lang="fr"' in await page.get_data(as_text=True)
    assert page.headers["Content-Language"] == "fr"
    chosen = await client.get(url + "?lang=ar", headers={"Accept-Language": "en"})
    assert 'lang="ar"' in await chosen.get_data(as_text=True)  # the shopper's choice wins
    auto = await create_session(client, merchant, locale="auto")
    by_browser = await client.get(
        f"/checkout/{auto['transactionTraceId']}", headers={"Accept-Language": "ar"}
    )
    assert 'lang="ar"' in await by_browser.get_data(as_text=True)
    for value in ("de", "FR", "", 3):
        response = await post_session(client, merchant, {"amount": 1, "locale": value})
        assert response.status_code == 400, value
        assert (await body(response))["error"]["field"] == "locale"


# --- the list's filters ------------------------------------------------------------------


async def listed(client, merchant, query: str) -> list[str]:
    response = await call(client, "GET", f"{SESSIONS}?{query}", headers=merchant["headers"])
    assert response.status_code == 200, await response.get_data()
    return [s["transactionTraceId"] for s in (await body(response))["data"]]


async def test_the_list_filters_by_client_reference_and_created_time(client, app):
    merchant = await register(client)
    first = await create_session(client, merchant, clientReferenceId="order-1")
    second = await create_session(client, merchant, clientReferenceId="order-2")
    third = await create_session(client, merchant, clientReferenceId="order-1")
    ids = [s["transactionTraceId"] for s in (first, second, third)]
    # Spread their creation times a day apart, so the range is unambiguous.
    now = datetime.now(UTC).replace(microsecond=0)
    for days, session_id in zip((3, 2, 1), ids, strict=True):
        await stores(app).db.payment_sessions.update_one(
            {"_id": session_id}, {"$set": {"created_at": now - timedelta(days=days)}}
        )

    assert await listed(client, merchant, "clientReferenceId=order-1") == [ids[2], ids[0]]
    assert await listed(client, merchant, "clientReferenceId=nope") == []
    after = (now - timedelta(days=2)).isoformat().replace("+00:00", "Z")
    assert await listed(client, merchant, f"createdAfter={after}") == [ids[2]]
    before = (now - timedelta(days=2)).isoformat().replace("+00:00", "%2B00:00")
    assert await listed(client, merchant, f"createdBefore={before}") == [ids[0]]
    assert await listed(
        client,
        merchant,
        f"createdAfter={(now - timedelta(days=4)).isoformat().replace('+', '%2B')}"
        f"&createdBefore={after}&clientReferenceId=order-1",
    ) == [ids[0]]
    # Pages keep the filter.
    page = await body(
        await call(
            client,
            "GET",
            f"{SESSIONS}?clientReferenceId=order-1&limit=1",
            headers=merchant["headers"],
        )
    )
    assert page["hasMore"] is True
    rest = await listed(
        client, merchant, f"clientReferenceId=order-1&startingAfter={page['nextCursor']}"
    )
    assert rest == [ids[0]]
    for bad in (
        "createdAfter=yesterday",
        "createdBefore=2026-01-01T00:00:00",
        "createdAfter=",
        "clientReferenceId=",
    ):
        response = await call(client, "GET", f"{SESSIONS}?{bad}", headers=merchant["headers"])
        assert response.status_code == 400, bad
        assert (await body(response))["error"]["field"] == bad.split("=")[0]


async def test_the_dashboard_session_page_shows_the_email_and_the_items(client):
    from tests.integration.test_dashboard import sign_in, text

    merchant = await register(client)
    session = await create_session(
        client, merchant, amount=None, lineItems=ITEMS, customerEmail="ada@example.com", locale="fr"
    )
    await sign_in(client, merchant)
    page = await text(await client.get(f"/dashboard/sessions/{session['transactionTraceId']}"))
    assert "ada@example.com" in page and "Flat white" in page and "6.80 USD" in page
    assert "Croissant &lt;b&gt;au beurre&lt;/b&gt;" in page
