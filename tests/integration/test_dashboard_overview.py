"""The dashboard overview's earnings (today, 7 days, 30 days; welcome credit apart), its
SVG chart with a text alternative, and the payment search by description and email."""

import re
from datetime import timedelta
from decimal import Decimal

from tests.integration.money_out_support import PIN, pay
from tests.integration.test_dashboard import sign_in, text
from tests.support import body, call, create_session, register


def figures(page: str, key: str) -> dict[str, str]:
    card = page[page.index(f'id="figures-{key}"') :]
    card = card[: card.index("</dl>")]
    gross = re.search(r'class="stat-value"[^>]*>([^<]+)<', card).group(1)
    found = dict(re.findall(r'data-figure="(\w+)">([^<]+)<', card))
    return {"gross": gross, **found}


async def test_overview_figures_per_period_with_the_welcome_credit_apart(app, client):
    db = app.app.extensions["checkout"].db
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    for amount, description in ((Decimal("10.00"), "Blue mug"), (Decimal("30.00"), "Teapot")):
        session = await create_session(client, merchant, amount, description=description)
        assert (await pay(client, session, shopper)).status_code == 200
    refund = await call(
        client,
        "POST",
        f"/api/v1/txn/refund/{session['transactionTraceId']}",
        {"amount": Decimal("4.00")},
        merchant["headers"],
    )
    assert refund.status_code == 201, await body(refund)
    withdrawal = await call(
        client,
        "POST",
        "/api/v1/txn/withdraw",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("100.00"),
            "password": merchant["password"],
        },
        merchant["headers"],
    )
    assert withdrawal.status_code == 201, await body(withdrawal)
    # The Teapot payment moves back 10 days: in the 30 days, not in the 7.
    account = await db.accounts.find_one({"default_wallet": merchant["walletCode"]})
    moved = await db.transactions.update_one(
        {"account_id": account["_id"], "type": "payment", "amount": 3000},
        {
            "$set": {
                "created_at": (await db.transactions.find_one({"amount": 3000}))["created_at"]
                - timedelta(days=10)
            }
        },
    )
    assert moved.modified_count == 1

    await sign_in(client, merchant)
    page = await text(await client.get("/dashboard/"))
    today = {"gross": "10.00 USD", "refunds": "−4.00 USD", "fees": "−2.00 USD", "net": "4.00 USD"}
    assert figures(page, "today") == today
    assert figures(page, "week") == today
    assert figures(page, "month") == {
        "gross": "40.00 USD",
        "refunds": "−4.00 USD",
        "fees": "−2.00 USD",
        "net": "34.00 USD",
    }
    # The welcome credit is in the balance, not in the earnings.
    assert "Welcome credit: <strong>1,000.00 USD</strong>" in page

    # The chart: an accessible SVG (no script) with every day in a table as well.
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in svg
    assert "<title" in svg and "Highest day" in svg and "<script" not in page.split("<svg")[1]
    assert svg.count('class="chart-gross"') == 30
    table = page[page.index('class="chart-table"') :]
    assert table.count('<th scope="row">') == 30 and "30.00 USD" in table


async def test_search_finds_sessions_by_description_and_customer_email(client):
    merchant = await register(client)
    mug = await create_session(
        client,
        merchant,
        Decimal("5.00"),
        description="Blue mug (large)",
        customerEmail="Ann.Lee@example.com",
    )
    other = await create_session(client, merchant, Decimal("6.00"), description="Teapot")
    await sign_in(client, merchant)

    async def found(query: str) -> set[str]:
        page = await client.get("/dashboard/sessions", query_string={"q": query})
        assert page.status_code == 200
        return set(re.findall(r'data-session-id="(cs_[0-9a-f]+)"', await text(page)))

    mug_id, other_id = mug["transactionTraceId"], other["transactionTraceId"]
    assert await found("mug (LARGE") == {mug_id}  # words of the description, any case
    assert await found("ann.lee@EXAMPLE.com") == {mug_id}  # the whole email, any case
    assert await found("ann.lee") == set()  # an email matches whole, not in part
    assert await found(".*") == set()  # typed text, not a pattern
    assert await found(other_id) == {other_id}  # the trace id still works
    # Another account's session is never found.
    stranger = await register(client, "Stranger")
    theirs = await create_session(client, stranger, Decimal("5.00"), description="Blue mug")
    assert theirs["transactionTraceId"] not in await found("Blue mug")
