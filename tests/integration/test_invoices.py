"""Invoices over the API (issue 16): the lifecycle, gap-free numbers under concurrency,
bad input, pagination and the overdue notice. Real stores, through HTTP."""

import asyncio
from datetime import timedelta
from decimal import Decimal

from checkout.services import invoices as invoice_service
from checkout.services import utcnow
from tests.integration.invoice_support import (
    INVOICES,
    LINES,
    act,
    create_invoice,
    finalized_invoice,
)
from tests.integration.money_out_support import checkout_command
from tests.support import body, call, register


def context(app):
    return app.app.extensions["checkout"]


async def events_of(app, invoice_id) -> list[str]:
    cursor = context(app).db.events.find({"subject": invoice_id}).sort("created_at", 1)
    return [event["type"] async for event in cursor]


async def test_draft_edit_finalize_void_lifecycle(client, app, store_env):
    merchant = await register(client, "Hillside School")
    draft = await create_invoice(client, merchant, dueDate="2030-01-31", memo="Thank you")
    assert draft["id"].startswith("inv_") and draft["status"] == "draft"
    assert draft["number"] is None
    # 1 x 120.00 + 3 x 4.35 = 133.05 exactly; the fee is the sessions' 0.2 % rounded half up.
    assert [line["amount"] for line in draft["lineItems"]] == [Decimal("120.00"), Decimal("13.05")]
    assert draft["subtotal"] == Decimal("133.05")
    assert draft["serviceFee"] == Decimal("0.27")
    assert draft["total"] == Decimal("133.32")
    assert draft["hostedUrl"] == f"http://checkout.test/invoice/{draft['id']}"
    assert draft["pdfUrl"] == f"http://checkout.test/invoice/{draft['id']}.pdf"
    assert draft["dueDate"] == "2030-01-31"

    url = f"{INVOICES}/{draft['id']}"
    edited = await call(
        client,
        "PATCH",
        url,
        {"lineItems": [{"description": "Pitch rent", "quantity": 7, "unitAmount": 12.5}]},
        merchant["headers"],
    )
    assert edited.status_code == 200, await edited.get_data()
    assert (await body(edited))["subtotal"] == Decimal("87.50")

    finalized = await body(await act(client, merchant, draft, "finalize"))
    assert finalized["status"] == "open" and finalized["number"] == "INV-000001"
    assert finalized["finalizedAt"]
    read = await body(await call(client, "GET", url, headers=merchant["headers"]))
    assert read == finalized

    # Finalized: no more edits, no second finalize.
    for response in (
        await call(client, "PATCH", url, {"memo": "late"}, merchant["headers"]),
        await act(client, merchant, draft, "finalize"),
    ):
        assert response.status_code == 409
        error = (await body(response))["error"]
        assert error["code"] == "invalid_invoice_state"

    uncollectible = await body(await act(client, merchant, draft, "mark-uncollectible"))
    assert uncollectible["status"] == "uncollectible"
    voided = await body(await act(client, merchant, draft, "void"))
    assert voided["status"] == "void" and voided["voidedAt"]
    for action in ("void", "finalize", "mark-uncollectible"):
        refused = await act(client, merchant, draft, action)
        assert refused.status_code == 409, action
        assert (await body(refused))["error"]["code"] == "invalid_invoice_state"
    # A draft cannot be voided or written off (nothing was billed yet).
    other = await create_invoice(client, merchant)
    assert (await act(client, merchant, other, "void")).status_code == 409
    assert (await act(client, merchant, other, "mark-uncollectible")).status_code == 409

    assert await events_of(app, draft["id"]) == ["invoice.finalized", "invoice.voided"]
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err


async def test_other_accounts_see_404_and_anonymous_401(client):
    merchant, other = await register(client), await register(client, "Other")
    invoice = await create_invoice(client, merchant)
    url = f"{INVOICES}/{invoice['id']}"
    missing = await call(client, "GET", url, headers=other["headers"])
    assert missing.status_code == 404
    assert (await body(missing))["error"]["code"] == "invoice_not_found"
    assert (await act(client, other, invoice, "finalize")).status_code == 404
    assert (await call(client, "GET", url)).status_code == 401
    # Someone else's wallet is as unknown as a made-up one.
    response = await call(
        client,
        "POST",
        INVOICES,
        {"walletCode": merchant["walletCode"], "customerEmail": "a@b.co", "lineItems": LINES},
        other["headers"],
    )
    assert response.status_code == 404


async def test_bad_input_is_a_400_naming_the_field(client, app):
    merchant = await register(client, "Bad Input Bakery")
    good = {"walletCode": merchant["walletCode"], "customerEmail": "a@b.co", "lineItems": LINES}

    def line(**change):
        return [{"description": "Stall", "quantity": 1, "unitAmount": 10, **change}]

    cases = [
        ({"lineItems": line(quantity=0)}, "lineItems"),
        ({"lineItems": line(quantity=-2)}, "lineItems"),
        ({"lineItems": line(quantity=1.5)}, "lineItems"),
        ({"lineItems": line(unitAmount=0)}, "lineItems"),
        ({"lineItems": line(unitAmount=-5)}, "lineItems"),
        ({"lineItems": line(unitAmount=Decimal("1.001"))}, "lineItems"),
        ({"lineItems": line(unitAmount="10")}, "lineItems"),
        ({"lineItems": line(unitAmount=Decimal("1e20"))}, "lineItems"),
        # Each line within bounds, the sum absurd.
        ({"lineItems": line(quantity=100_000, unitAmount=Decimal("9999999999"))}, "lineItems"),
        ({"lineItems": line() * 101}, "lineItems"),
        ({"lineItems": []}, "lineItems"),
        ({"lineItems": None}, "lineItems"),
        ({"lineItems": [{"description": "x", "quantity": 1, "unitAmount": 1, "tax": 2}]}, None),
        ({"customerEmail": "not-an-email"}, "customerEmail"),
        ({"customerEmail": None}, "customerEmail"),
        ({"dueDate": "31/01/2030"}, "dueDate"),
        ({"memo": ""}, "memo"),
        ({"colour": "blue"}, "colour"),
        ({"metadata": {"k": 5}}, "metadata"),
    ]
    for change, field in cases:
        payload = {key: value for key, value in {**good, **change}.items()}
        response = await call(client, "POST", INVOICES, payload, merchant["headers"])
        assert response.status_code == 400, (change, await response.get_data())
        error = (await body(response))["error"]
        assert error["code"] in ("invalid_request", "invalid_amount"), error
        assert (field or "lineItems") in (error.get("fields") or [error.get("field")]), (
            change,
            error,
        )
    missing = await call(client, "POST", INVOICES, {"walletCode": "x"}, merchant["headers"])
    assert missing.status_code == 400
    assert set((await body(missing))["error"]["fields"]) == {"customerEmail", "lineItems"}
    written = {"merchant_name": "Bad Input Bakery"}
    assert await context(app).db.invoices.count_documents(written) == 0


async def test_twenty_concurrent_finalizes_number_one_to_twenty_without_gaps(client, app):
    """Each of 20 drafts is finalized by two racing requests: 20 succeed, 20 are refused,
    and the numbers are exactly INV-000001..INV-000020, each once."""
    merchant = await register(client, "Corner Catering")
    drafts = [await create_invoice(client, merchant) for _ in range(20)]
    responses = await asyncio.gather(
        *(act(client, merchant, draft, "finalize") for draft in drafts * 2)
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 20 + [409] * 20
    numbers = sorted(
        [(await body(response))["number"] for response in responses if response.status_code == 200]
    )
    assert numbers == [f"INV-{n:06d}" for n in range(1, 21)]
    db = context(app).db
    account = await db.accounts.find_one({"user_code": merchant["userCode"]})
    counter = await db.invoice_counters.find_one({"_id": account["_id"]})
    assert counter["last_number"] == 20
    stored = await db.invoices.distinct("number", {"account_id": account["_id"]})
    assert sorted(stored) == numbers
    # Another merchant starts at 1.
    other = await register(client, "Other")
    assert (await finalized_invoice(client, other))["number"] == "INV-000001"


async def test_list_filters_by_status_and_pages_with_a_cursor(client):
    merchant = await register(client)
    made = [await create_invoice(client, merchant) for _ in range(5)]
    for invoice in made[:2]:
        assert (await act(client, merchant, invoice, "finalize")).status_code == 200
    seen, cursor = [], None
    while True:
        query = "?limit=2" + (f"&startingAfter={cursor}" if cursor else "")
        page = await body(await call(client, "GET", INVOICES + query, headers=merchant["headers"]))
        seen += [invoice["id"] for invoice in page["data"]]
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    assert seen == [invoice["id"] for invoice in reversed(made)]
    open_ = await body(
        await call(client, "GET", INVOICES + "?status=open", headers=merchant["headers"])
    )
    assert {invoice["id"] for invoice in open_["data"]} == {made[0]["id"], made[1]["id"]}
    for query in ("?status=late", "?limit=0", "?startingAfter=inv_unknown"):
        response = await call(client, "GET", INVOICES + query, headers=merchant["headers"])
        assert response.status_code == 400, query


async def test_idempotency_key_replays_the_created_invoice(client, app):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "invoice-1"}
    payload = {"walletCode": merchant["walletCode"], "customerEmail": "a@b.co", "lineItems": LINES}
    first = await call(client, "POST", INVOICES, payload, headers)
    again = await call(client, "POST", INVOICES, payload, headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert await body(first) == await body(again)
    changed = await call(client, "POST", INVOICES, {**payload, "customerEmail": "c@d.co"}, headers)
    assert changed.status_code == 422
    assert await context(app).db.invoices.count_documents({"customer_email": "a@b.co"}) == 1


async def test_worker_sweep_notices_the_due_date_passing_once(client, app):
    merchant = await register(client)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    overdue = await finalized_invoice(client, merchant, dueDate=yesterday)
    not_yet = await finalized_invoice(client, merchant, dueDate=utcnow().date().isoformat())
    draft = await create_invoice(client, merchant, dueDate=yesterday)
    assert await invoice_service.notice_overdue(context(app)) == 1
    assert await invoice_service.notice_overdue(context(app)) == 0  # once only
    assert await events_of(app, overdue["id"]) == ["invoice.finalized", "invoice.overdue"]
    assert await events_of(app, not_yet["id"]) == ["invoice.finalized"]
    assert await events_of(app, draft["id"]) == []
    read = await body(
        await call(client, "GET", f"{INVOICES}/{overdue['id']}", headers=merchant["headers"])
    )
    assert read["overdueAt"] and read["status"] == "open"


async def test_openapi_documents_the_invoice_routes(client):
    document = await body(await client.get("/openapi.json"))
    paths = document["paths"]
    assert set(paths[INVOICES]) == {"get", "post"}
    assert set(paths[INVOICES + "/{invoice_id}"]) == {"get", "patch"}
    for action in ("finalize", "void", "mark-uncollectible", "send"):
        assert "409" in paths[f"{INVOICES}/{{invoice_id}}/{action}"]["post"]["responses"]
    schema = document["components"]["schemas"]["Invoice"]
    assert {"number", "status", "subtotal", "serviceFee", "total", "hostedUrl", "pdfUrl"} <= set(
        schema["properties"]
    )
