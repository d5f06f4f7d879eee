""" "Don't have a wallet?": a shopper opens a personal wallet account from the checkout page,
comes back to it and pays; personal accounts keep to paying and refunds; the welcome credit
they get cannot become withdrawable money, even paid to a merchant account they own."""

import html
import re
from decimal import Decimal

import pytest_asyncio

from checkout import create_app
from checkout.services.settlement import settle_all
from tests.integration.money_out_support import PIN, balance, refund, withdraw
from tests.integration.test_dashboard import new_ip, sign_in, submit
from tests.support import body, call, create_session, register, unique_email

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SHOPPER_PIN = "482916"


@pytest_asyncio.fixture
async def locked_app(settings):
    """The welcome credit's lock on (the suite's default turns it off for withdrawal tests)."""
    app = create_app(settings.replace(welcome_credit_withdrawable=False))
    async with app.test_app() as test_app:
        yield test_app


@pytest_asyncio.fixture
async def client(locked_app):
    return locked_app.test_client()


async def page(client, url, ip):
    response = await client.get(url, scope_base={"client": ip})
    return response, await response.get_data(as_text=True)


async def open_wallet(client, session_id, ip, **fields):
    """The sign-up form as a browser posts it, from the checkout page's link."""
    _, form = await page(client, f"/checkout/{session_id}/wallet", ip)
    token = CSRF.search(form).group(1)
    payload = {
        "csrf_token": token,
        "name": "Sam Shopper",
        "email": unique_email("shopper"),
        "password": "a long password",
        "pin": SHOPPER_PIN,
        **fields,
    }
    response = await client.post(
        f"/checkout/{session_id}/wallet", form=payload, scope_base={"client": ip}
    )
    return response, payload


async def test_a_shopper_opens_a_wallet_comes_back_and_pays(client):
    merchant = await register(client, pin=PIN)
    session = await create_session(client, merchant, Decimal("12.50"))
    trace = session["transactionTraceId"]
    ip = new_ip()
    _, checkout = await page(client, f"/checkout/{trace}", ip)
    assert f'href="/checkout/{trace}/wallet"' in checkout and "Don't have a wallet?" in checkout

    _, form = await page(client, f"/checkout/{trace}/wallet", ip)
    for name in ("name", "email", "password", "pin"):
        assert f'name="{name}"' in form
    assert 'name="organization"' not in form and 'name="category"' not in form

    response, sent = await open_wallet(client, trace, ip)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/checkout/{trace}"
    assert "wllt-" not in response.headers["Location"]  # the code is not put in a URL

    back, checkout = await page(client, f"/checkout/{trace}", ip)
    assert back.status_code == 200
    code = re.search(r'<strong class="mono" dir="ltr">(wllt-[a-z0-9-]+)</strong>', checkout)[1]
    assert f'value="{code}"' in checkout  # filled in
    assert SHOPPER_PIN not in checkout and "Don't have a wallet?" not in checkout
    _, again = await page(client, f"/checkout/{trace}", ip)
    assert "Your wallet is open" not in again  # shown once

    token = CSRF.search(checkout).group(1)
    paid = await client.post(
        f"/checkout/{trace}",
        form={"csrf_token": token, "wallet_code": code, "pin": SHOPPER_PIN},
        scope_base={"client": ip},
    )
    assert paid.status_code == 303, await paid.get_data(as_text=True)
    status = await call(
        client, "GET", f"/api/v1/txn/payment-session/{trace}", None, merchant["headers"]
    )
    assert (await body(status))["status"] == "complete"

    login = await call(
        client, "POST", "/api/v1/org/login", {"email": sent["email"], "password": sent["password"]}
    )
    account = await body(login)
    assert (account["kind"], account["merchant"], account["walletCode"]) == (
        "individual",
        None,
        code,
    )
    assert account["balance"] == Decimal("1000.00") - Decimal(str(session["totalAmount"]))


async def test_the_form_checks_its_fields_and_csrf(client):
    merchant = await register(client, pin=PIN)
    trace = (await create_session(client, merchant))["transactionTraceId"]
    ip = new_ip()
    refused, _ = await open_wallet(client, trace, ip, pin="12345", email="nope", password="short")
    assert refused.status_code == 400
    content = html.unescape(await refused.get_data(as_text=True))
    assert "A PIN is exactly 6 digits." in content
    assert "Enter a valid email address." in content and "Use 8 to 256 characters." in content
    assert content.count('aria-invalid="true"') == 3

    no_token = await client.post(
        f"/checkout/{trace}/wallet",
        form={"name": "A", "email": unique_email(), "password": "a long password", "pin": "482916"},
        scope_base={"client": ip},
    )
    assert no_token.status_code == 400
    assert "open too long" in await no_token.get_data(as_text=True)

    taken = await open_wallet(client, trace, ip, email=merchant["email"])
    assert taken[0].status_code == 409
    assert "already exists" in await taken[0].get_data(as_text=True)
    assert (await client.get("/checkout/cs_unknown/wallet")).status_code == 404


async def test_sign_ups_from_the_checkout_page_are_limited_per_address(client, settings):
    merchant = await register(client, pin=PIN)
    trace = (await create_session(client, merchant))["transactionTraceId"]
    app = create_app(settings.replace(registrations_per_hour=1))
    async with app.test_app() as test_app:
        limited_client = test_app.test_client()
        ip = new_ip()
        assert (await open_wallet(limited_client, trace, ip))[0].status_code == 303
        limited, _ = await open_wallet(limited_client, trace, ip)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert "Too many wallets were opened" in await limited.get_data(as_text=True)


async def personal_account(client, email=None):
    """A personal account made through the checkout page, logged in over the API."""
    merchant = await register(client, pin=PIN)
    trace = (await create_session(client, merchant))["transactionTraceId"]
    response, sent = await open_wallet(client, trace, new_ip(), email=email or unique_email())
    assert response.status_code == 303
    login = await body(
        await call(
            client,
            "POST",
            "/api/v1/org/login",
            {"email": sent["email"], "password": sent["password"]},
        )
    )
    return {
        **login,
        "password": sent["password"],
        "email": sent["email"],
        "headers": {"Authorization": f"Bearer {login['token']}"},
    }


async def test_a_personal_account_is_refused_merchant_features(client):
    person = await personal_account(client)
    headers = person["headers"]
    refused = [
        ("POST", f"/api/v1/txn/payment-session/{person['walletCode']}", {"amount": 5}),
        ("GET", "/api/v1/txn/payment-sessions", None),
        (
            "POST",
            "/api/v1/payment-links",
            {"walletCode": person["walletCode"], "description": "x", "amount": 5},
        ),
        ("POST", "/api/v1/keys", {}),
        ("GET", "/api/v1/keys", None),
        ("POST", "/api/v1/webhooks", {"url": "https://example.com/h", "events": ["*"]}),
        (
            "POST",
            "/api/v1/txn/withdraw",
            {"walletCode": person["walletCode"], "amount": 1, "pin": SHOPPER_PIN},
        ),
        ("GET", "/api/v1/events", None),
        ("PUT", "/api/v1/org/profile", {"organization": "Mine"}),
        ("PUT", "/api/v1/org/profile", {"brandColor": "#0a58ca"}),
    ]
    for method, url, payload in refused:
        answer = await call(client, method, url, payload, headers)
        assert answer.status_code == 403, (method, url, await answer.get_data())
        assert (await body(answer))["error"]["code"] == "merchant_only", (method, url)

    mixed = await call(
        client,
        "PUT",
        "/api/v1/org/profile",
        {"email": unique_email(), "currentPassword": person["password"], "displayName": "Me"},
        headers,
    )
    assert mixed.status_code == 403  # refused whole: the email did not change either
    profile = await body(await call(client, "GET", "/api/v1/org/profile", None, headers))
    assert profile["email"] == person["email"]
    assert (profile["kind"], profile["name"], profile["organization"]) == (
        "individual",
        "Sam Shopper",
        None,
    )
    assert (await call(client, "GET", "/api/v1/wallets", None, headers)).status_code == 200
    assert (await call(client, "GET", "/api/v1/txn/transaction", None, headers)).status_code == 200

    ip = new_ip()
    await sign_in(client, person, ip)
    for url in ("/dashboard/", "/dashboard/wallets", "/dashboard/transactions"):
        assert (await client.get(url, scope_base={"client": ip})).status_code == 200, url
    for url in ("/dashboard/sessions", "/dashboard/sessions/new", "/dashboard/keys"):
        answer = await client.get(url, scope_base={"client": ip})
        assert answer.status_code == 403, url
        assert "merchant accounts" in await answer.get_data(as_text=True)


async def test_a_personal_wallets_credit_cannot_be_withdrawn_through_a_merchant_it_owns(
    client, locked_app
):
    """The same person opens a merchant account and a personal one (two emails), pays the
    merchant from the personal wallet's welcome credit and tries to withdraw it there. The
    credit arrives locked, so nothing of it can leave; a refund sends it back, still locked,
    and frees the merchant's lock again."""
    merchant = await register(client, pin=PIN)
    person = await personal_account(client)
    wallet = locked_app.app.extensions["checkout"].db.wallets
    assert (await wallet.find_one({"code": person["walletCode"]}))["locked_credit"] == 100000

    session = await create_session(client, merchant, Decimal("800.00"))
    paid = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": person["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": SHOPPER_PIN,
        },
    )
    assert paid.status_code == 200, await paid.get_data()
    assert await balance(client, merchant) == Decimal("1800.00")

    cashed = await withdraw(client, merchant, Decimal("0.01"))
    assert cashed.status_code == 402  # 1,000 own credit + 800 paid from credit: all locked
    assert "welcome credit" in (await body(cashed))["error"]["message"]
    await settle_all(locked_app.app.extensions["checkout"].stores)
    doc = await wallet.find_one({"code": merchant["walletCode"]})
    assert doc["balance"] == doc["locked_credit"] == 180000

    assert (await refund(client, merchant, session)).status_code == 201
    doc = await wallet.find_one({"code": merchant["walletCode"]})
    assert doc["balance"] == doc["locked_credit"] == 100000
    person_doc = await wallet.find_one({"code": person["walletCode"]})
    assert person_doc["locked_credit"] == 100000 - 160  # all back locked but the kept fee


async def test_a_personal_account_changes_its_password_in_the_dashboard(client):
    person = await personal_account(client)
    ip = new_ip()
    await sign_in(client, person, ip)
    page = await client.get("/dashboard/profile", scope_base={"client": ip})
    html_page = await page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sam Shopper" in html_page and html.escape(person["email"]) in html_page
    assert 'href="/dashboard/profile"' in html_page  # in its navigation
    assert "Save profile" not in html_page and "Brand colour" not in html_page

    # The merchant parts of the profile stay closed to it.
    for url, form in (
        ("/dashboard/profile", {"organization": "Mine", "email": person["email"]}),
        ("/dashboard/profile/branding", {"display_name": "Me"}),
    ):
        refused = await submit(client, url, form, ip, token_from="/dashboard/profile")
        assert refused.status_code == 403, url

    changed = await submit(
        client,
        "/dashboard/profile/password",
        {
            "current_password": person["password"],
            "new_password": "a brand new secret 2",
            "confirm": "a brand new secret 2",
        },
        ip,
        token_from="/dashboard/profile",
    )
    assert changed.status_code == 303
    old = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": person["email"], "password": person["password"]},
    )
    assert old.status_code == 401
    new = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": person["email"], "password": "a brand new secret 2"},
    )
    assert new.status_code == 200
