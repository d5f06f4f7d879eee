"""The welcome credit can be spent in the loop but never withdrawn by the account that
received it, by any path (issue 10, D1 and D2). Every test runs the real app on the real
stores with the lock on (WELCOME_CREDIT_WITHDRAWABLE=false, the default)."""

from decimal import Decimal

import pytest_asyncio

from checkout import create_app
from tests.integration.money_out_support import (
    PIN,
    balance,
    checkout_command,
    pay,
    refund,
    withdraw,
)
from tests.support import body, call, create_session, register


@pytest_asyncio.fixture
async def locked_app(settings):
    app = create_app(settings.replace(welcome_credit_withdrawable=False))
    async with app.test_app() as test_app:
        yield test_app


@pytest_asyncio.fixture
async def client(locked_app):
    return locked_app.test_client()


async def wallet_doc(locked_app, code):
    return await locked_app.app.extensions["checkout"].db.wallets.find_one({"code": code})


async def register_unlocked(settings, name):
    """An account whose money is its own (registered while the credit is withdrawable, as
    with an operator's top-up): what it pays arrives unlocked."""
    app = create_app(settings.replace(welcome_credit_withdrawable=True))
    async with app.test_app() as test_app:
        return await register(test_app.test_client(), name, pin=PIN)


async def paid(client, merchant, shopper, amount):
    session = await create_session(client, merchant, amount)
    response = await pay(client, session, shopper)
    assert response.status_code == 200, await response.get_data()
    return session


async def test_a_second_wallet_of_the_same_account_cannot_be_paid(client, locked_app):
    """The review's first path: pay your own second wallet, then withdraw from it."""
    owner = await register(client, pin=PIN)
    created = await call(
        client, "POST", "/api/v1/wallets", {"name": "Second", "pin": "246810"}, owner["headers"]
    )
    assert created.status_code == 201, await created.get_data()
    second = {**owner, "walletCode": (await body(created))["walletCode"]}
    session = await create_session(client, second, Decimal("990.00"))

    refused = await pay(client, session, owner)
    assert refused.status_code == 422
    assert (await body(refused))["error"]["code"] == "same_account"

    cashed = await withdraw(client, second, Decimal("988.00"), pin="246810")
    assert cashed.status_code == 402
    assert await balance(client, owner) == Decimal("1000.00")
    assert await balance(client, owner, second["walletCode"]) == Decimal("0.00")


async def test_same_account_is_refused_on_the_hosted_page_too(client, locked_app):
    owner = await register(client, pin=PIN)
    created = await call(client, "POST", "/api/v1/wallets", {"name": "Till"}, owner["headers"])
    second = {**owner, "walletCode": (await body(created))["walletCode"]}
    session = await create_session(client, second, Decimal("5.00"))
    page = await client.get(f"/checkout/{session['transactionTraceId']}")
    html = await page.get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = await client.post(
        f"/checkout/{session['transactionTraceId']}",
        form={"csrf_token": token, "wallet_code": owner["walletCode"], "pin": PIN},
    )
    assert response.status_code == 422
    assert "goes to your own account" in await response.get_data(as_text=True)
    assert await balance(client, owner) == Decimal("1000.00")


async def test_a_refund_gives_the_locked_credit_back_locked(client, locked_app):
    """The review's second path: B pays M, M refunds, B withdraws the refund."""
    merchant, shopper = await register(client, pin=PIN), await register(client, "Shopper", pin=PIN)
    session = await paid(client, merchant, shopper, Decimal("500.00"))
    back = await refund(client, merchant, session)
    assert back.status_code == 201, await back.get_data()

    assert (await withdraw(client, shopper, Decimal("490.00"))).status_code == 402
    assert (await withdraw(client, shopper, Decimal("0.01"))).status_code == 402
    wallet = await wallet_doc(locked_app, shopper["walletCode"])
    assert wallet["balance"] == 99900  # the 1.00 fee is not refunded
    assert wallet["locked_credit"] == 99900


async def test_giving_a_refund_never_unlocks_the_merchants_own_credit(client, locked_app):
    """A path the review did not try: if a refund's debit lowered the merchant's lock the
    way a payment does, earning 500 and refunding it would free 500 of welcome credit."""
    merchant, shopper = await register(client, pin=PIN), await register(client, "Shopper", pin=PIN)
    session = await paid(client, merchant, shopper, Decimal("500.00"))
    assert (await refund(client, merchant, session)).status_code == 201

    assert (await withdraw(client, merchant, Decimal("0.01"))).status_code == 402
    wallet = await wallet_doc(locked_app, merchant["walletCode"])
    assert wallet["balance"] == wallet["locked_credit"] == 100000


async def test_partial_refunds_give_back_the_locked_part_first(client, locked_app, settings):
    """The shopper earned 300.00 (from a customer paying with money of its own) before
    paying 1,200.00 + 2.40 fee, so the payment took all 1,000.00 of its credit and 202.40
    of its earnings. Two partial refunds
    give 1,000.00 back locked, the other 200.00 free: it can withdraw 297.60, no more."""
    merchant = await register(client, pin=PIN)
    shopper = await register(client, "Shopper", pin=PIN)
    customer = await register_unlocked(settings, "Customer")
    await paid(client, shopper, customer, Decimal("300.00"))
    session = await paid(client, merchant, shopper, Decimal("1200.00"))

    assert (
        await refund(client, merchant, session, {"amount": Decimal("300.00")})
    ).status_code == 201
    wallet = await wallet_doc(locked_app, shopper["walletCode"])
    assert (wallet["balance"], wallet["locked_credit"]) == (39760, 30000)
    assert (
        await refund(client, merchant, session, {"amount": Decimal("900.00")})
    ).status_code == 201
    wallet = await wallet_doc(locked_app, shopper["walletCode"])
    assert (wallet["balance"], wallet["locked_credit"]) == (129760, 100000)

    assert (await withdraw(client, shopper, Decimal("295.61"))).status_code == 402
    assert (await withdraw(client, shopper, Decimal("295.60"))).status_code == 201


async def test_the_credit_is_spent_first(settings):
    """D2: M has 1,000 of credit, earns 500 (from a shopper paying money of its own), pays
    600 + 1.20 fee: the 601.20 came out of the credit, so the 500 it earned can leave.
    (No withdrawal fee here, so that the figure is the review's: 500.00.)"""
    app = create_app(
        settings.replace(welcome_credit_withdrawable=False, withdrawal_fee=Decimal("0"))
    )
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client, pin=PIN)
        shopper = await register_unlocked(settings, "Shopper")
        seller = await register(client, "Seller", pin=PIN)
        await paid(client, merchant, shopper, Decimal("500.00"))
        await paid(client, seller, merchant, Decimal("600.00"))

        assert (await withdraw(client, merchant, Decimal("500.01"))).status_code == 402
        assert (await withdraw(client, merchant, Decimal("500.00"))).status_code == 201
        wallet = await wallet_doc(test_app, merchant["walletCode"])
        assert (wallet["balance"], wallet["locked_credit"]) == (39880, 39880)


async def test_reconcile_checks_every_lock_after_the_money_moved(client, locked_app, store_env):
    merchant, shopper = await register(client, pin=PIN), await register(client, "Shopper", pin=PIN)
    session = await paid(client, merchant, shopper, Decimal("250.00"))
    assert (
        await refund(client, merchant, session, {"amount": Decimal("100.00")})
    ).status_code == 201
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err
    assert "reconciliation OK" in out

    db = locked_app.app.extensions["checkout"].db
    await db.wallets.update_one({"code": shopper["walletCode"]}, {"$inc": {"locked_credit": 10**9}})
    try:
        code, out, err = await checkout_command(store_env, "reconcile")
        assert code == 1
        assert f"wallet {shopper['walletCode']} locked credit" in out + err
    finally:
        await db.wallets.update_one(
            {"code": shopper["walletCode"]}, {"$inc": {"locked_credit": -(10**9)}}
        )
