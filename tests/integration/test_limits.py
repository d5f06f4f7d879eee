"""Limits on guessing secrets and on sign-ups, and input that must never reach a 500."""

from decimal import Decimal

from checkout import create_app
from tests.support import body, call, create_session, register, unique_email


async def test_api_login_is_limited_per_email_even_for_the_right_password(client):
    merchant = await register(client)
    for _ in range(10):  # the successful login in register() cleared the count
        wrong = await call(
            client,
            "POST",
            "/api/v1/org/login",
            {"email": merchant["email"], "password": "wrong password"},
        )
        assert wrong.status_code == 401
    limited = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": merchant["email"], "password": merchant["password"]},
    )
    assert limited.status_code == 429
    assert (await body(limited))["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0


async def test_a_successful_login_clears_the_count(client):
    merchant = await register(client)
    for _ in range(5):
        await call(
            client,
            "POST",
            "/api/v1/org/login",
            {"email": merchant["email"], "password": "nope nope"},
        )
    ok = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": merchant["email"], "password": merchant["password"]},
    )
    assert ok.status_code == 200
    for _ in range(9):
        await call(
            client,
            "POST",
            "/api/v1/org/login",
            {"email": merchant["email"], "password": "nope nope"},
        )
    assert (
        await call(
            client,
            "POST",
            "/api/v1/org/login",
            {"email": merchant["email"], "password": merchant["password"]},
        )
    ).status_code == 200


async def test_password_reentry_behind_a_token_is_limited(client):
    merchant = await register(client)
    for _ in range(10):
        response = await call(
            client,
            "POST",
            "/api/v1/txn/withdraw",
            {"walletCode": merchant["walletCode"], "amount": 1, "password": "guess guess"},
            merchant["headers"],
        )
        assert response.status_code == 401
    limited = await call(
        client,
        "PUT",
        "/api/v1/org/profile",
        {"password": "a brand new password", "currentPassword": merchant["password"]},
        merchant["headers"],
    )
    assert limited.status_code == 429  # the same counter guards every re-entry


async def test_sign_ups_per_address_are_limited(settings):
    app = create_app(settings.replace(registrations_per_hour=2))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        statuses = []
        for _ in range(3):
            response = await call(
                client,
                "POST",
                "/api/v1/org/register",
                {
                    "organization": "Minting Ltd",
                    "email": unique_email(),
                    "password": "correct horse 1",
                    "category": "food",
                },
            )
            statuses.append(response.status_code)
        assert statuses == [201, 201, 429]


async def test_absurd_numbers_and_odd_digits_are_400s(client):
    merchant = await register(client)
    huge = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        raw=b'{"amount": 1e999999}',
        headers=merchant["headers"],
    )
    assert huge.status_code == 400
    session = await create_session(client, merchant, Decimal("1.00"))
    pay = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        raw=b'{"fromWalletCode": "wllt-x", "totalAmount": -1e999999, "pin": "123456"}',
    )
    assert pay.status_code == 400
    for path in (
        "/api/v1/txn/transaction?limit=%C2%B2",
        "/api/v1/txn/payment-sessions?limit=%C2%B2",
    ):
        assert (await call(client, "GET", path, headers=merchant["headers"])).status_code == 400


async def test_a_success_url_that_would_break_the_redirect_is_refused(client):
    merchant = await register(client)
    for url in (
        "https://acme.test/ok\nx?s={CHECKOUT_SESSION_ID}",
        "http://[abc/x",
        "https://a.test;script-src-elem *;x/ok",
    ):
        response = await call(
            client,
            "POST",
            f"/api/v1/txn/payment-session/{merchant['walletCode']}",
            {"amount": 5, "successUrl": url},
            merchant["headers"],
        )
        assert response.status_code == 400, url
    text = await call(
        client,
        "POST",
        "/api/v1/org/register",
        raw=(
            b'{"organization": "\\ud800", "email": "a@b.co", '
            b'"password": "correct horse 1", "category": "x"}'
        ),
    )
    assert text.status_code == 400
