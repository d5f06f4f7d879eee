"""The merchant dashboard through the Quart test client on a started app: sign-in and its
limits, pages, forms with CSRF, CSV export, wallets and PIN reset, profile."""

import csv
import html
import io
import re
import secrets
from decimal import Decimal

from checkout.storage import dashboard_sessions, rate_limits
from tests.support import body, call, create_session, register

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def new_ip() -> tuple[str, int]:
    return (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}", 4000)


async def text(response) -> str:
    return (await response.get_data()).decode()


async def csrf_token(client, url, ip=None) -> str:
    page = await client.get(url, scope_base={"client": ip or new_ip()})
    assert page.status_code == 200, url
    return CSRF.search(await text(page)).group(1)


async def submit(client, url, form: dict, ip=None, token_from=None):
    """Post a dashboard form the way a browser does: with the CSRF token of its page."""
    token = await csrf_token(client, token_from or url, ip)
    return await client.post(
        url, form={"csrf_token": token, **form}, scope_base={"client": ip or new_ip()}
    )


async def sign_in(client, merchant, ip=None):
    response = await submit(
        client,
        "/dashboard/login",
        {"email": merchant["email"], "password": merchant["password"]},
        ip,
    )
    assert response.status_code == 303, await text(response)
    return response


def auth_cookie(response) -> str:
    return re.search(r"checkout_dashboard=([^;]+)", response.headers["Set-Cookie"]).group(1)


async def get_with_cookie(app, url, cookie):
    """A browser that only has this auth cookie."""
    other = app.test_client()
    other.set_cookie("localhost", "checkout_dashboard", cookie)
    return await other.get(url)


async def test_sign_in_shows_the_overview_and_sign_out_ends_the_session(app, client):
    merchant = await register(client, organization="Acme Coffee")
    response = await sign_in(client, merchant)
    assert response.headers["Location"] == "/dashboard/"
    page = await client.get("/dashboard/")
    content = await text(page)
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert "Acme Coffee" in content and merchant["walletCode"] in content
    assert "1,000.00 USD" in content

    cookie = auth_cookie(response)
    assert (await get_with_cookie(app, "/dashboard/", cookie)).status_code == 200
    signed_out = await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")
    assert signed_out.status_code == 303
    assert (await client.get("/dashboard/")).status_code == 303
    # Replaying the old cookie does not bring the session back: it ended on the server.
    assert (await get_with_cookie(app, "/dashboard/", cookie)).status_code == 303


async def test_each_sign_in_gets_a_new_server_session(app, client):
    merchant = await register(client)
    ctx = app.app.extensions["checkout"]
    account = await ctx.db.accounts.find_one({"default_wallet": merchant["walletCode"]})

    async def live_sessions():
        ids = await dashboard_sessions.account_session_ids(ctx.redis, str(account["_id"]))
        return {
            sid for sid in ids if await dashboard_sessions.find_session(ctx.redis, sid) is not None
        }

    await sign_in(client, merchant)
    assert (await client.get("/dashboard/login")).status_code == 303  # already signed in
    first = await live_sessions()
    assert len(first) == 1
    await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")
    await sign_in(client, merchant)
    second = await live_sessions()
    assert len(second) == 1 and second != first


async def test_wrong_password_and_next_redirect(client):
    merchant = await register(client)
    wrong = await submit(
        client, "/dashboard/login", {"email": merchant["email"], "password": "not the password"}
    )
    assert wrong.status_code == 401
    assert "Email or password is incorrect." in await text(wrong)
    assert "not the password" not in await text(wrong)

    bounce = await client.get("/dashboard/wallets?x=1")
    assert bounce.headers["Location"] == "/dashboard/login?next=/dashboard/wallets?x%3D1"
    token = await csrf_token(client, "/dashboard/login")
    for target, expected in (
        ("/dashboard/wallets", "/dashboard/wallets"),
        ("https://evil.example/", "/dashboard/"),
        ("//evil.example/dashboard", "/dashboard/"),
    ):
        response = await client.post(
            "/dashboard/login",
            query_string={"next": target},
            form={
                "csrf_token": token,
                "email": merchant["email"],
                "password": merchant["password"],
            },
            scope_base={"client": new_ip()},
        )
        assert response.headers["Location"] == expected
        await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")
        token = await csrf_token(client, "/dashboard/login")


async def test_sign_in_is_rate_limited_per_email(client):
    merchant = await register(client)
    for _ in range(10):
        response = await submit(
            client, "/dashboard/login", {"email": merchant["email"], "password": "wrong password"}
        )
        assert response.status_code == 401
    # The right password from yet another address is refused too: the email is limited.
    blocked = await submit(
        client, "/dashboard/login", {"email": merchant["email"], "password": merchant["password"]}
    )
    assert blocked.status_code == 429
    assert "Too many sign-in attempts. Try again in 15 minutes." in await text(blocked)
    assert 0 < int(blocked.headers["Retry-After"]) <= 900


async def test_sign_in_is_rate_limited_per_client_address(app, client):
    ip = new_ip()
    merchant = await register(client)
    for _ in range(10):
        response = await submit(
            client,
            "/dashboard/login",
            {"email": f"nobody-{secrets.token_hex(4)}@example.com", "password": "wrong password"},
            ip,
        )
        assert response.status_code == 401
    blocked = await submit(
        client,
        "/dashboard/login",
        {"email": merchant["email"], "password": merchant["password"]},
        ip,
    )
    assert blocked.status_code == 429
    assert (await sign_in(client, merchant)).status_code == 303  # other addresses still work
    await rate_limits.clear_attempts(app.app.extensions["checkout"].redis, "login-ip", ip[0])


async def test_forms_refuse_a_missing_csrf_token(client):
    merchant = await register(client)
    no_token = await client.post(
        "/dashboard/login", form={"email": merchant["email"], "password": merchant["password"]}
    )
    assert no_token.status_code == 400
    assert "expired" in await text(no_token)
    await sign_in(client, merchant)
    created = await client.post("/dashboard/sessions/new", form={"amount": "5.00"})
    assert created.status_code == 400
    listing = await text(await client.get("/dashboard/sessions"))
    assert "No payment sessions match." in listing


async def test_create_session_from_dashboard_then_see_it_paid(client):
    merchant = await register(client, organization="Corner Shop")
    shopper = await register(client, organization="Shopper", pin="135790")
    await sign_in(client, merchant)
    response = await submit(
        client,
        "/dashboard/sessions/new",
        {
            "amount": "12.50",
            "description": "Two <b>flat</b> whites",
            "wallet": merchant["walletCode"],
        },
    )
    assert response.status_code == 303
    detail_url = response.headers["Location"]
    session_id = re.search(r"/dashboard/sessions/(cs_[0-9a-f]+)", detail_url).group(1)
    detail = await text(await client.get(detail_url))
    assert f"http://checkout.test/checkout/{session_id}" in detail
    assert "Two &lt;b&gt;flat&lt;/b&gt; whites" in detail and "<b>flat" not in detail
    assert "12.50 USD" in detail and "12.53 USD" in detail

    paid = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session_id}",
        {"fromWalletCode": shopper["walletCode"], "totalAmount": Decimal("12.53"), "pin": "135790"},
    )
    assert paid.status_code == 200, await paid.get_data()

    detail = await text(await client.get(detail_url))
    assert 'id="session-status">Complete<' in detail
    masked = shopper["walletCode"][:5] + "••••" + shopper["walletCode"][-4:]
    assert masked in detail and shopper["walletCode"] not in detail
    assert "Journal postings" in detail and "Platform fees" in detail
    assert "0.03 USD" in detail  # the fee posting

    complete = await text(await client.get("/dashboard/sessions?status=complete"))
    assert session_id in complete
    assert session_id not in await text(await client.get("/dashboard/sessions?status=open"))
    assert session_id in await text(await client.get(f"/dashboard/sessions?q={session_id}"))
    overview = await text(await client.get("/dashboard/"))
    assert "1,012.50 USD" in overview  # balance
    assert 'id="volume-today">12.50 USD' in overview


async def test_bad_amounts_are_form_errors_not_500s(client):
    merchant = await register(client)
    await sign_in(client, merchant)
    for amount, message in (
        ("abc", "Enter an amount like 12.50."),
        ("0", "greater than zero"),
        ("1.234", "decimal places"),
        ("NaN", "finite"),
        ("1e30", "too large"),
    ):
        response = await submit(
            client, "/dashboard/sessions/new", {"amount": amount, "wallet": merchant["walletCode"]}
        )
        assert response.status_code == 400, amount
        assert message in await text(response), amount
    other = await register(client)
    response = await submit(
        client, "/dashboard/sessions/new", {"amount": "1.00", "wallet": other["walletCode"]}
    )
    assert response.status_code == 400  # not one of the choices offered
    assert (await client.get("/dashboard/sessions/cs_nope")).status_code == 404
    foreign = await create_session(client, other)
    response = await client.get(f"/dashboard/sessions/{foreign['transactionTraceId']}")
    assert response.status_code == 404


async def pay(client, session, shopper, pin):
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {
            "fromWalletCode": shopper["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": pin,
        },
    )
    assert response.status_code == 200, await response.get_data()


async def test_transactions_page_and_csv_export(client):
    merchant = await register(client, organization="Export Co")
    shopper = await register(client, pin="112233")
    for amount in ("1.00", "2.00", "3.00"):
        await pay(
            client,
            await create_session(
                client, merchant, Decimal(amount), description=f'=HYPERLINK("x") order {amount}'
            ),
            shopper,
            "112233",
        )
    await sign_in(client, merchant)

    page = await text(await client.get("/dashboard/transactions"))
    assert page.index("order 3.00") < page.index("order 2.00") < page.index("order 1.00")
    assert "Welcome credit" in page

    export = await client.get("/dashboard/transactions.csv")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await text(export))))
    assert [(r["type"], r["direction"], r["amount"]) for r in rows] == [
        ("payment", "credit", "3.00"),
        ("payment", "credit", "2.00"),
        ("payment", "credit", "1.00"),
        ("welcome_credit", "credit", "1000.00"),
    ]
    assert rows[0]["description"].startswith("'=HYPERLINK")  # no formula injection
    assert (
        rows[0]["counterparty"] == shopper["walletCode"][:5] + "••••" + shopper["walletCode"][-4:]
    )
    assert rows[0]["currency"] == "USD" and rows[0]["fee"] == "0.01"

    only_payments = list(
        csv.DictReader(
            io.StringIO(await text(await client.get("/dashboard/transactions.csv?type=payment")))
        )
    )
    assert {r["type"] for r in only_payments} == {"payment"} and len(only_payments) == 3
    future = await text(await client.get("/dashboard/transactions.csv?start=2999-01-01"))
    assert future.strip().splitlines() == [
        ",".join(
            (
                "id",
                "created_at",
                "type",
                "direction",
                "amount",
                "fee",
                "currency",
                "wallet",
                "counterparty",
                "transaction_trace_id",
                "description",
            )
        )
    ]
    bad = await client.get("/dashboard/transactions.csv?start=2026-02-10&end=2026-02-01")
    assert bad.status_code == 400
    assert (await client.get("/dashboard/transactions?start=not-a-date")).status_code == 400
    assert (await client.get("/dashboard/transactions?before=zzz")).status_code == 400


async def test_transactions_paginate_newest_first(app, client):
    merchant = await register(client)
    shopper = await register(client, pin="445566")
    for i in range(26):  # 26 payments + the welcome credit = 27 rows: two pages
        await pay(
            client,
            await create_session(client, merchant, Decimal("1.00"), description=f"item-{i:02d}-"),
            shopper,
            "445566",
        )
    await sign_in(client, merchant)
    first = await text(await client.get("/dashboard/transactions"))
    assert "item-25-" in first and "item-01-" in first and "item-00-" not in first
    older = re.search(r'href="(/dashboard/transactions\?before=[^"]+)"', first).group(1)
    second = await text(await client.get(html.unescape(older)))
    assert "item-00-" in second and "Welcome credit" in second and "item-01-" not in second
    newer = re.search(r'href="(/dashboard/transactions\?after=[^"]+)"', second).group(1)
    back = await text(await client.get(html.unescape(newer)))
    assert "item-25-" in back and "item-01-" in back and "item-00-" not in back


async def test_create_wallet_reset_pin_and_statement(client):
    merchant = await register(client)
    shopper = await register(client, pin="778899")
    await sign_in(client, merchant)
    created = await submit(client, "/dashboard/wallets", {"name": "Bar <tab>"})
    page = await text(created)
    code = re.search(r'id="new-wallet-code">([^<]+)<', page).group(1)
    pin = re.search(r'id="new-wallet-pin">([0-9]{6})<', page).group(1)
    assert "Bar &lt;tab&gt;" in page
    listing = await text(await client.get("/dashboard/wallets"))
    assert code in listing and pin not in listing  # shown once

    session = await create_session(client, {**merchant, "walletCode": code}, Decimal("4.00"))
    await pay(client, session, shopper, "778899")
    # The wallet's own PIN (as a payer) works, then a reset replaces it.
    wrong = await submit(
        client, f"/dashboard/wallets/{code}/reset-pin", {"password": "not my password"}
    )
    assert wrong.status_code == 401 and "The password is incorrect." in await text(wrong)
    reset = await text(
        await submit(
            client, f"/dashboard/wallets/{code}/reset-pin", {"password": merchant["password"]}
        )
    )
    new_pin = re.search(r'id="new-pin">([0-9]{6})<', reset).group(1)
    other = await register(client)
    for tried, expected in ((pin, 401), (new_pin, 200)):
        if tried == new_pin == pin:
            continue
        attempt = await call(
            client,
            "POST",
            "/api/v1/txn/accept-payment/"
            + (await create_session(client, other, Decimal("1.00")))["transactionTraceId"],
            {"fromWalletCode": code, "totalAmount": Decimal("1.00"), "pin": tried},
        )
        assert attempt.status_code == expected, (tried, await attempt.get_data())

    statement = await text(await client.get(f"/dashboard/wallets/{code}"))
    balances = re.findall(r'<td class="num">([0-9.,]+ USD)</td>\s*</tr>', statement)
    assert balances == ["3.00 USD", "4.00 USD"]  # newest first: after paying 1.00, after +4.00
    assert (await client.get(f"/dashboard/wallets/{other['walletCode']}")).status_code == 404
    assert (
        await client.get(f"/dashboard/wallets/{other['walletCode']}/reset-pin")
    ).status_code == 404


async def test_profile_update_and_password_change(app, client):
    merchant = await register(client, organization="Old Name")
    await sign_in(client, merchant)
    saved = await submit(
        client,
        "/dashboard/profile",
        {"organization": "New & Improved", "email": merchant["email"], "category": "retail"},
    )
    assert saved.status_code == 303
    page = await text(await client.get("/dashboard/profile"))
    assert "New &amp; Improved" in page
    profile = await body(
        await call(client, "GET", "/api/v1/org/profile", headers=merchant["headers"])
    )
    assert profile["organization"] == "New & Improved" and profile["category"] == "retail"

    email_change = await submit(
        client,
        "/dashboard/profile",
        {"organization": "New & Improved", "email": "x" + merchant["email"], "category": "retail"},
    )
    assert email_change.status_code == 401  # needs the current password

    mismatch = await submit(
        client,
        "/dashboard/profile/password",
        {
            "current_password": merchant["password"],
            "new_password": "a new secret 1",
            "confirm": "something else",
        },
        token_from="/dashboard/profile",
    )
    assert mismatch.status_code == 400 and "The two new passwords differ." in await text(mismatch)
    other_browser = auth_cookie(await sign_in(app.test_client(), merchant))
    assert (await get_with_cookie(app, "/dashboard/", other_browser)).status_code == 200
    changed = await submit(
        client,
        "/dashboard/profile/password",
        {
            "current_password": merchant["password"],
            "new_password": "a new secret 1",
            "confirm": "a new secret 1",
        },
        token_from="/dashboard/profile",
    )
    assert changed.status_code == 303
    assert "Password changed." in await text(await client.get("/dashboard/profile"))
    assert (await get_with_cookie(app, "/dashboard/", other_browser)).status_code == 303
    login = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": merchant["email"], "password": "a new secret 1"},
    )
    assert login.status_code == 200


async def test_api_key_created_in_the_dashboard_works_until_revoked_there(client):
    merchant = await register(client)
    await sign_in(client, merchant)
    page = await text(await submit(client, "/dashboard/keys", {"label": "Till <1>"}))
    secret = re.search(r'id="new-key" class="mono" value="(sk_[0-9A-Za-z]+)"', page).group(1)
    assert "Till &lt;1&gt;" in page
    with_key = {"Authorization": f"Bearer {secret}"}
    assert (await call(client, "GET", "/api/v1/wallets", headers=with_key)).status_code == 200

    listing = await text(await client.get("/dashboard/keys"))
    assert secret not in listing and secret[:11] + "…" in listing
    revoke_url = re.search(r'action="(/dashboard/keys/[0-9a-f]{24}/revoke)"', listing).group(1)
    assert (await client.post(revoke_url, form={})).status_code == 400  # no CSRF token
    revoked = await submit(client, revoke_url, {}, token_from="/dashboard/keys")
    assert revoked.status_code == 303
    assert (await call(client, "GET", "/api/v1/wallets", headers=with_key)).status_code == 401
    assert "No active keys." in await text(await client.get("/dashboard/keys"))


async def test_behind_a_trusted_proxy_the_limit_keys_on_the_forwarded_address(settings):
    from checkout import create_app

    proxied = create_app(settings.replace(trusted_proxy_hops=1))
    async with proxied.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        shopper_ip = f"203.0.113.{secrets.randbelow(250)}"
        proxy = {"client": ("10.0.0.1", 5000)}
        for i in range(11):
            token = await csrf_token(client, "/dashboard/login", proxy["client"])
            response = await client.post(
                "/dashboard/login",
                scope_base=proxy,
                headers={"X-Forwarded-For": f"198.51.100.7, {shopper_ip}"},
                form={
                    "csrf_token": token,
                    "email": f"x{i}-{secrets.token_hex(3)}@example.com",
                    "password": "wrong password",
                },
            )
            assert response.status_code == (401 if i < 10 else 429)
        # Another client behind the same proxy is not locked out with them.
        token = await csrf_token(client, "/dashboard/login", proxy["client"])
        response = await client.post(
            "/dashboard/login",
            scope_base=proxy,
            headers={"X-Forwarded-For": "198.51.100.8"},
            form={
                "csrf_token": token,
                "email": merchant["email"],
                "password": merchant["password"],
            },
        )
        assert response.status_code == 303


UNSAFE_NEXT = (
    "/dashboard/wallets\r\nSet-Cookie: x=1",
    "/dashboard/\r\n",
    "/dashboard/\twallets",
    "/dashboard\t//evil.example",
    "//evil.example",
    "https://evil.example",
    "/\t/evil.example",
    "/dashboard/\x00",
    "/dashboard/\x7f",
    "/dashboard/\u2028",
    "/dashboard/caf\u00e9",
)


async def test_a_next_with_control_characters_or_another_site_goes_to_the_overview(client):
    merchant = await register(client)
    for target in UNSAFE_NEXT:
        form_page = await client.get("/dashboard/login", query_string={"next": target})
        assert form_page.status_code == 200, (target, form_page.status_code)
        token = CSRF.search(await text(form_page)).group(1)
        signed_in = await client.post(
            "/dashboard/login",
            query_string={"next": target},
            form={
                "csrf_token": token,
                "email": merchant["email"],
                "password": merchant["password"],
            },
            scope_base={"client": new_ip()},
        )
        assert signed_in.status_code == 303, (target, signed_in.status_code)
        assert signed_in.headers["Location"] == "/dashboard/", target
        # Already signed in: the sign-in page sends the browser on at once (GET).
        again = await client.get("/dashboard/login", query_string={"next": target})
        assert again.status_code == 303, (target, again.status_code)
        assert again.headers["Location"] == "/dashboard/", target
        await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")


SESSION_LINK = re.compile(r'href="(/dashboard/sessions/cs_[^"?]+)"')


async def test_transaction_rows_link_only_to_sessions_the_viewer_owns(app):
    """A payer's rows (the payment debit, the refund credit) must not link to the
    merchant's session page, which would answer 404; the merchant's rows do link."""
    merchant_client, shopper_client = app.test_client(), app.test_client()
    merchant = await register(merchant_client, organization="Linked Shop")
    shopper = await register(shopper_client, organization="Shopper Ltd", pin="112233")
    session = await create_session(
        merchant_client, merchant, Decimal("4.00"), description="Linked order"
    )
    await pay(merchant_client, session, shopper, "112233")
    refunded = await call(
        merchant_client,
        "POST",
        f"/api/v1/txn/refund/{session['transactionTraceId']}",
        {"amount": Decimal("1.00")},
        merchant["headers"],
    )
    assert refunded.status_code == 201
    await sign_in(merchant_client, merchant)
    await sign_in(shopper_client, shopper)

    detail = f"/dashboard/sessions/{session['transactionTraceId']}"
    for url in ("/dashboard/transactions", f"/dashboard/wallets/{merchant['walletCode']}"):
        page = await text(await merchant_client.get(url))
        assert detail in SESSION_LINK.findall(page), url
    for url in ("/dashboard/transactions", f"/dashboard/wallets/{shopper['walletCode']}"):
        page = await text(await shopper_client.get(url))
        assert "Linked order" in page or session["transactionTraceId"] in page, url
        assert SESSION_LINK.findall(page) == [], url
    assert (await shopper_client.get(detail)).status_code == 404  # why there is no link
    assert (await merchant_client.get(detail)).status_code == 200


async def test_transaction_type_filter_offers_what_is_written(app, client):
    merchant = await register(client, pin="112233")
    withdrawal = await call(
        client,
        "POST",
        "/api/v1/txn/withdraw",
        {"walletCode": merchant["walletCode"], "amount": Decimal("10.00"), "pin": "112233"},
        merchant["headers"],
    )
    assert withdrawal.status_code == 201
    from checkout.services import withdrawals
    from checkout.services.audit import Actor

    await withdrawals.settle(
        app.app.extensions["checkout"],
        (await body(withdrawal))["id"],
        "failed",
        "bank rejected",
        Actor(None, "payouts@example.com", "admin"),
    )
    await sign_in(client, merchant)

    page = await text(await client.get("/dashboard/transactions"))
    options = re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', page)
    assert ("withdrawal_reversal", "Withdrawal reversal") in options
    # Top-ups are written now (the operator console), so merchants can filter on them.
    assert ("top_up", "Top-up") in options
    assert (await client.get("/dashboard/transactions?type=top_up")).status_code == 200
    assert (await client.get("/dashboard/transactions?type=no_such_type")).status_code == 400

    reversals = await client.get("/dashboard/transactions?type=withdrawal_reversal")
    assert reversals.status_code == 200
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", await text(reversals), re.S)
    assert len(rows) == 1 and "Withdrawal reversal" in rows[0] and "+12.00 USD" in rows[0]
    exported = list(
        csv.DictReader(
            io.StringIO(
                await text(await client.get("/dashboard/transactions.csv?type=withdrawal_reversal"))
            )
        )
    )
    assert [(r["type"], r["amount"]) for r in exported] == [("withdrawal_reversal", "12.00")]
