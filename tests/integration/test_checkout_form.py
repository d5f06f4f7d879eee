"""The hosted page's form posts through the same payment service as the API."""

import re
from datetime import timedelta
from decimal import Decimal

from checkout.storage import sessions as session_store
from tests.support import create_session, register


async def open_page(client, session):
    response = await client.get(f"/checkout/{session['transactionTraceId']}")
    html = await response.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    return response, html, token.group(1) if token else None


async def submit(client, session, token, wallet_code, pin):
    return await client.post(
        f"/checkout/{session['transactionTraceId']}",
        form={"csrf_token": token, "wallet_code": wallet_code, "pin": pin},
    )


async def wallet_balance(app, code):
    return (await app.app.extensions["checkout"].db.wallets.find_one({"code": code}))["balance"]


async def test_pay_redirects_to_success_url_with_the_session_id(client, app):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(
        client, merchant, Decimal("5.00"), successUrl="https://acme.test/ok?s={CHECKOUT_SESSION_ID}"
    )
    response, _html, token = await open_page(client, session)
    assert response.status_code == 200 and token
    paid = await submit(client, session, token, shopper["walletCode"], shopper["pin"])
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://acme.test/ok?s={session['transactionTraceId']}"
    assert await wallet_balance(app, shopper["walletCode"]) == 100000 - 501


async def test_without_success_url_the_page_shows_the_receipt(client):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    _, _, token = await open_page(client, session)
    paid = await submit(client, session, token, shopper["walletCode"], shopper["pin"])
    assert paid.status_code == 303
    receipt = await client.get(paid.headers["Location"])
    assert receipt.status_code == 200
    assert session["transactionTraceId"] in await receipt.get_data(as_text=True)
    assert 'name="pin"' not in await receipt.get_data(as_text=True)


async def test_wrong_pin_rerenders_the_form_and_moves_nothing(client, app):
    merchant, shopper = await register(client), await register(client, pin="111111")
    session = await create_session(client, merchant)
    _, _, token = await open_page(client, session)
    response = await submit(client, session, token, shopper["walletCode"], "222222")
    html = await response.get_data(as_text=True)
    assert response.status_code == 401
    assert 'name="pin"' in html and 'role="alert"' in html
    assert "222222" not in html  # the PIN is never echoed back
    assert await wallet_balance(app, shopper["walletCode"]) == 100000


async def test_insufficient_funds_rerenders_the_form(client, app):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant, Decimal("5000.00"))
    _, _, token = await open_page(client, session)
    response = await submit(client, session, token, shopper["walletCode"], shopper["pin"])
    assert response.status_code == 402
    assert 'name="pin"' in await response.get_data(as_text=True)
    assert await wallet_balance(app, shopper["walletCode"]) == 100000


async def test_bad_form_input_gets_field_messages(client):
    merchant = await register(client)
    session = await create_session(client, merchant)
    _, _, token = await open_page(client, session)
    response = await submit(client, session, token, "", "12ab")
    html = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert html.count('class="field-error"') == 2


async def test_a_post_without_csrf_token_pays_nothing(client, app):
    merchant, shopper = await register(client), await register(client)
    session = await create_session(client, merchant)
    await open_page(client, session)
    response = await submit(client, session, "forged", shopper["walletCode"], shopper["pin"])
    assert response.status_code == 400
    assert await wallet_balance(app, shopper["walletCode"]) == 100000


async def test_unknown_expired_and_paid_pages(client, app):
    assert (await client.get("/checkout/cs_unknown")).status_code == 404
    merchant, shopper = await register(client), await register(client)
    expired = await create_session(client, merchant)
    ctx = app.app.extensions["checkout"]
    trace = expired["transactionTraceId"]
    stored = await ctx.db.payment_sessions.find_one({"_id": trace})
    await ctx.db.payment_sessions.update_one(
        {"_id": trace}, {"$set": {"expires_at": stored["created_at"] - timedelta(seconds=1)}}
    )
    await session_store.forget_cached_session(ctx.redis, trace)
    page = await client.get(f"/checkout/{trace}")
    assert page.status_code == 410
    assert 'name="pin"' not in await page.get_data(as_text=True)

    paid = await create_session(client, merchant)
    _, _, token = await open_page(client, paid)
    await submit(client, paid, token, shopper["walletCode"], shopper["pin"])
    again = await submit(client, paid, token, shopper["walletCode"], shopper["pin"])
    assert again.status_code == 409  # shows the completed state, charges nothing more
    assert 'name="pin"' not in await again.get_data(as_text=True)
    assert await wallet_balance(app, shopper["walletCode"]) == 100000 - 1002


async def test_merchant_text_is_escaped(client):
    merchant = await register(client, organization="<script>alert(1)</script>")
    session = await create_session(client, merchant, description='<img src=x onerror="alert(2)">')
    _, html, _ = await open_page(client, session)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html
