"""Freezing a merchant from the console: no new sessions, no withdrawals, API 403
account_frozen, its open session cannot be paid (409, nothing moves) and its checkout
page says payment is unavailable; unfreezing restores all of it. Search, detail, wallet
statement and PIN unlock (support may)."""

from decimal import Decimal

from checkout.services.reconcile import reconcile
from checkout.storage import pin_attempts
from tests.integration.admin_support import signed_in_operator, submit, text
from tests.integration.money_out_support import PIN, balance, pay, withdraw
from tests.support import body, call, create_session, register


async def account_id(app, merchant) -> str:
    ctx = app.app.extensions["checkout"]
    return str((await ctx.db.accounts.find_one({"user_code": merchant["userCode"]}))["_id"])


async def test_a_frozen_merchant_cannot_sell_or_withdraw_until_unfrozen(app, client):
    admin = await signed_in_operator(app)
    merchant = await register(client, pin=PIN)
    shopper = await register(client, pin=PIN)
    open_session = await create_session(client, merchant, Decimal("10.00"))
    page_url = f"/checkout/{open_session['transactionTraceId']}"
    assert "Pay" in await text(await client.get(page_url))  # cached in Redis, payable
    merchant_id = await account_id(app, merchant)
    detail = f"/admin/merchants/{merchant_id}"

    frozen = await submit(
        admin.client, f"{detail}/freeze", {"reason": "chargeback review"}, token_from=detail
    )
    assert frozen.status_code == 303
    assert "Frozen" in await text(await admin.client.get(detail))

    shopper_before = await balance(client, shopper)
    refused = await pay(client, open_session, shopper)
    assert refused.status_code == 409
    assert (await body(refused))["error"]["code"] == "account_frozen"
    assert await balance(client, shopper) == shopper_before  # nothing moved
    ctx = app.app.extensions["checkout"]
    session_id = open_session["transactionTraceId"]
    assert await ctx.db.journal.count_documents({"session_id": session_id}) == 0
    assert (await ctx.db.payment_sessions.find_one({"_id": session_id}))["status"] == "open"
    page = await client.get(page_url)
    assert page.status_code == 200 and "Payment is unavailable" in await text(page)
    assert 'name="pin"' not in await text(page)

    for answer in (
        await call(client, "GET", "/api/v1/wallets", headers=merchant["headers"]),
        await call(
            client,
            "POST",
            f"/api/v1/txn/payment-session/{merchant['walletCode']}",
            {"amount": Decimal("5")},
            merchant["headers"],
        ),
        await withdraw(client, merchant, Decimal("1.00")),
    ):
        assert answer.status_code == 403
        assert (await body(answer))["error"]["code"] == "account_frozen"

    thawed = await submit(admin.client, f"{detail}/unfreeze", {}, token_from=detail)
    assert thawed.status_code == 303
    paid = await pay(client, open_session, shopper)
    assert paid.status_code == 200, await paid.get_data()
    assert (
        await call(client, "GET", "/api/v1/wallets", headers=merchant["headers"])
    ).status_code == 200
    audit = await text(await admin.client.get("/admin/audit"))
    assert "merchant.freeze" in audit and "chargeback review" in audit
    assert "merchant.unfreeze" in audit
    assert (await reconcile(app.app.extensions["checkout"].stores)).ok


async def test_support_cannot_freeze(app, client):
    support = await signed_in_operator(app, "support")
    merchant = await register(client)
    detail = f"/admin/merchants/{await account_id(app, merchant)}"
    assert "Freeze account" not in await text(await support.client.get(detail))
    refused = await submit(support.client, f"{detail}/freeze", {}, token_from=detail)
    assert refused.status_code == 403
    ok = await call(client, "GET", "/api/v1/wallets", headers=merchant["headers"])
    assert ok.status_code == 200


async def test_search_detail_statement_and_pin_unlock(app, client):
    support = await signed_in_operator(app, "support")
    merchant = await register(client, organization="Zebra Bikes Unique")
    by_name = await text(await support.client.get("/admin/merchants?q=zebra bikes"))
    assert "Zebra Bikes Unique" in by_name and merchant["email"] in by_name
    by_wallet = await text(await support.client.get(f"/admin/merchants?q={merchant['walletCode']}"))
    assert "Zebra Bikes Unique" in by_wallet
    nothing = await text(await support.client.get("/admin/merchants?q=no-such-merchant-xyz"))
    assert "No merchant matches." in nothing
    detail = await text(
        await support.client.get(f"/admin/merchants/{await account_id(app, merchant)}")
    )
    assert merchant["walletCode"] in detail
    assert (await support.client.get("/admin/merchants/not-an-id")).status_code == 404

    ctx = app.app.extensions["checkout"]
    for _ in range(5):
        await pin_attempts.finish_check(ctx.redis, merchant["walletCode"], False, 900)
    wallet_url = f"/admin/wallets/{merchant['walletCode']}"
    wallet_page = await text(await support.client.get(wallet_url))
    assert "Locked for 15 min (5 wrong)" in wallet_page
    assert "welcome_credit" in wallet_page  # the statement
    unlocked = await submit(
        support.client, f"{wallet_url}/unlock", {"reason": "owner called"}, token_from=wallet_url
    )
    assert unlocked.status_code == 303
    assert "No wrong PINs" in await text(await support.client.get(wallet_url))
    assert (await support.client.get("/admin/wallets/wllt-nosuchwallet")).status_code == 404
    lookup = await support.client.get(f"/admin/wallets?q={merchant['walletCode']}")
    assert lookup.status_code == 303 and lookup.headers["Location"] == wallet_url
    assert "wallet.unlock_pin" in await text(await support.client.get("/admin/audit"))
