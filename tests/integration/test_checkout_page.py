"""The hosted checkout page through the app: every state with its status, JS-free payment
with CSRF, errors a shopper can act on, escaping and languages."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from checkout.services import utcnow
from checkout.storage.sessions import forget_cached_session
from tests.support import create_session, register

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


def page_url(session, lang=None):
    url = f"/checkout/{session['transactionTraceId']}"
    return f"{url}?lang={lang}" if lang else url


async def open_page(client, url, **headers):
    response = await client.get(url, headers=headers)
    return response, await response.get_data(as_text=True)


async def submit(client, url, wallet_code, pin, token=None):
    """What a browser without JavaScript sends: the form fields and the CSRF token."""
    if token is None:
        _, page = await open_page(client, url)
        token = CSRF.search(page).group(1)
    response = await client.post(
        url, form={"csrf_token": token, "wallet_code": wallet_code, "pin": pin}
    )
    return response, await response.get_data(as_text=True)


async def set_session_fields(ctx, session, **fields):
    """Stand-in for the sweeper or a cancel call: change the durable record, drop the cache."""
    await ctx.db.payment_sessions.update_one(
        {"_id": session["transactionTraceId"]}, {"$set": fields}
    )
    await forget_cached_session(ctx.redis, session["transactionTraceId"])


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


async def test_open_page_shows_everything_a_shopper_checks(client):
    merchant = await register(client, organization="Acme Coffee")
    session = await create_session(
        client,
        merchant,
        Decimal("12.50"),
        description="2 flat whites",
        cancelUrl="https://acme.test/cart",
    )
    response, page = await open_page(client, page_url(session))

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = text_of(page)
    for expected in (
        "Acme Coffee",
        "2 flat whites",
        "Amount $12.50",
        "Service fee $0.03",
        "Total $12.53",
        "Currency USD",
        "Pay $12.53",
    ):
        assert expected in text
    assert re.search(r"Time left to pay: (9:[0-5][0-9]|10:00)", text)
    pin = re.search(r"<input[^>]*id=\"pin\"[^>]*>", page).group(0)
    assert 'type="password"' in pin and 'inputmode="numeric"' in pin
    assert 'autocomplete="off"' in pin
    assert '<label for="pin">' in page and '<label for="wallet_code">' in page
    assert 'href="https://acme.test/cart"' in page
    assert '<html lang="en" dir="ltr">' in page


async def test_merchant_name_and_description_render_as_text(client):
    merchant = await register(client, organization="<script>alert(1)</script>")
    session = await create_session(
        client, merchant, Decimal("1.00"), description='<img src=x onerror="alert(2)">'
    )
    _, page = await open_page(client, page_url(session))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in page


async def test_paying_without_javascript_redirects_to_the_merchant(client):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(
        client,
        merchant,
        Decimal("12.50"),
        successUrl="https://acme.test/ok?s={CHECKOUT_SESSION_ID}",
    )
    response, _ = await submit(client, page_url(session), shopper["walletCode"].upper(), "424242")

    assert response.status_code == 303
    assert response.headers["Location"] == f"https://acme.test/ok?s={session['transactionTraceId']}"
    # form-action must allow the merchant's origin, or the browser blocks the redirect.
    assert "form-action 'self' https://acme.test;" in response.headers["Content-Security-Policy"]


async def test_receipt_after_payment_and_a_second_payment_is_refused(client, ctx):
    merchant = await register(client, organization="Acme Coffee")
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant, Decimal("12.50"))
    url = page_url(session)
    _, page = await open_page(client, url)
    token = CSRF.search(page).group(1)

    paid, _ = await submit(client, url, shopper["walletCode"], "424242", token)
    assert paid.status_code == 303 and paid.headers["Location"] == url
    receipt, page = await open_page(client, url)
    assert receipt.status_code == 200
    text = text_of(page)
    code = shopper["walletCode"]
    for expected in (
        "Payment complete",
        "Acme Coffee",
        "Amount $12.50",
        "Service fee $0.03",
        "Total $12.53",
        f"Paid from {code[:5]}••••{code[-4:]}",
        f"Reference {session['transactionTraceId']}",
        "UTC",
    ):
        assert expected in text
    assert code not in page
    assert 'name="pin"' not in page

    again, page = await submit(client, url, shopper["walletCode"], "424242", token)
    assert again.status_code == 409
    assert "not taken again" in text_of(page)
    wallet = await ctx.db.wallets.find_one({"code": shopper["walletCode"]})
    assert wallet["balance"] == 100000 - 1253


async def test_wrong_pin_says_how_many_attempts_are_left_then_locks(client, ctx):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant, Decimal("5.00"))
    url = page_url(session)

    response, page = await submit(client, url, shopper["walletCode"], "000000")
    assert response.status_code == 401
    assert "The wallet code or PIN is incorrect. 4 attempts left. Nothing was charged." in text_of(
        page
    )
    assert "<title>Error: Pay" in page
    assert f'value="{shopper["walletCode"]}"' in page  # kept, so only the PIN is retyped
    assert "000000" not in page  # the PIN is never echoed back

    for _ in range(3):
        await submit(client, url, shopper["walletCode"], "000000")
    response, page = await submit(client, url, shopper["walletCode"], "000000")
    assert response.status_code == 401 and "That was the last attempt" in page

    response, page = await submit(client, url, shopper["walletCode"], "424242")
    assert response.status_code == 423
    assert "This wallet is locked after too many wrong PINs. Try again in 15 minutes." in text_of(
        page
    )
    assert (await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]}))[
        "status"
    ] == "open"


async def test_insufficient_funds_is_its_own_error(client):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant, Decimal("999.00"))  # + fee > 1000
    response, page = await submit(client, page_url(session), shopper["walletCode"], "424242")
    assert response.status_code == 402
    assert "Your wallet balance is too low for this payment. Nothing was charged." in text_of(page)


async def test_invalid_fields_are_marked_and_explained(client):
    merchant = await register(client)
    session = await create_session(client, merchant)
    response, page = await submit(client, page_url(session), "", "12")
    assert response.status_code == 400
    assert "Enter your wallet code." in page and "Your PIN is 6 digits." in page
    assert re.search(
        r'<input[^>]*aria-describedby="pin-error pin-hint"[^>]*aria-invalid="true"'
        r'|<input[^>]*aria-invalid="true"[^>]*id="pin"',
        page,
    )


async def test_a_post_without_the_csrf_token_is_refused(client, ctx):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant)
    response = await client.post(
        page_url(session), form={"wallet_code": shopper["walletCode"], "pin": "424242"}
    )
    assert response.status_code == 400
    assert "Nothing was charged" in await response.get_data(as_text=True)
    assert (await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]}))[
        "status"
    ] == "open"


async def test_expired_session_is_gone(client, ctx):
    merchant = await register(client, organization="Acme Coffee")
    session = await create_session(client, merchant, cancelUrl="https://acme.test/cart")
    await set_session_fields(ctx, session, expires_at=utcnow() - timedelta(seconds=1))
    response, page = await open_page(client, page_url(session))
    assert response.status_code == 410
    assert "This payment has expired" in page and 'name="pin"' not in page
    assert 'href="https://acme.test/cart"' in page


async def test_canceled_session_is_gone(client, ctx):
    merchant = await register(client, organization="Acme Coffee")
    session = await create_session(client, merchant)
    await set_session_fields(ctx, session, status="canceled", canceled_at=utcnow())
    response, page = await open_page(client, page_url(session))
    assert response.status_code == 410
    assert "Acme Coffee canceled this payment. Nothing was charged." in text_of(page)
    assert 'name="pin"' not in page


async def test_unknown_session_is_not_found(client):
    response, page = await open_page(client, "/checkout/cs_does_not_exist")
    assert response.status_code == 404
    assert "Payment not found" in page
    assert response.headers["Cache-Control"] == "no-store"


async def test_language_from_query_then_accept_language(client):
    merchant = await register(client)
    session = await create_session(client, merchant, Decimal("1234.50"))

    _, page = await open_page(client, page_url(session, "fr"))
    assert '<html lang="fr" dir="ltr">' in page
    assert "Payer 1\u202f236,97\xa0$US" in html.unescape(page)  # Babel's French format

    response, page = await open_page(
        client, page_url(session), **{"Accept-Language": "ar-EG,ar;q=0.9"}
    )
    assert '<html lang="ar" dir="rtl">' in page
    assert "ادفع" in page and "رمز المحفظة" in page
    assert response.headers["Content-Language"] == "ar"
    assert "Accept-Language" in response.headers["Vary"]

    _, page = await open_page(client, page_url(session, "xx"), **{"Accept-Language": "fr-CA"})
    assert '<html lang="fr"' in page
    _, page = await open_page(client, page_url(session), **{"Accept-Language": "de, ja"})
    assert '<html lang="en"' in page


async def test_errors_are_translated(client):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant)
    response, page = await submit(client, page_url(session, "fr"), shopper["walletCode"], "111111")
    assert response.status_code == 401
    assert "Il reste 4 tentatives." in text_of(page)
    response, page = await submit(client, page_url(session, "ar"), shopper["walletCode"], "")
    assert response.status_code == 400
    assert "أدخل رمز PIN المكوّن من 6 أرقام." in page
