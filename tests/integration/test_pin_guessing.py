"""Wrong PINs are limited per client address across every wallet (PIN_FAILURES_PER_IP), not
only per wallet: spreading guesses over many wallets meets the limit too. Counted before
the PIN is compared, on the JSON API, the hosted checkout page and withdrawals alike."""

import asyncio
import re
import secrets
from decimal import Decimal

import pytest_asyncio

from checkout import create_app
from tests.support import body, create_session, dumps, register

RIGHT, WRONG = "111111", "222222"


def new_ip() -> tuple[str, int]:
    return (f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}", 4000)


@pytest_asyncio.fixture
async def limited(settings):
    """A client of an app that allows 20 wrong PINs per address."""
    app = create_app(settings.replace(pin_failures_per_ip=20))
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def post_json(client, url, payload, ip, headers=None):
    return await client.open(
        url,
        method="POST",
        data=dumps(payload),
        scope_base={"client": ip},
        headers={"Content-Type": "application/json", **(headers or {})},
    )


async def pay(client, session, wallet_code, pin, ip):
    return await post_json(
        client,
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {"fromWalletCode": wallet_code, "totalAmount": session["totalAmount"], "pin": pin},
        ip,
    )


async def assert_limited(response):
    assert response.status_code == 429
    assert (await body(response))["error"]["code"] == "too_many_pin_failures"
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60


async def test_wrong_pins_spread_over_many_wallets_meet_the_per_address_limit(limited):
    merchant = await register(limited)
    wallets = [await register(limited, pin=RIGHT) for _ in range(5)]
    session = await create_session(limited, merchant, Decimal("1.00"))
    guesser = new_ip()
    answers = []
    for attempt in range(25):  # 5 per wallet: each wallet alone would take 5 before locking
        answers.append(
            await pay(limited, session, wallets[attempt % 5]["walletCode"], WRONG, guesser)
        )
    assert [a.status_code for a in answers] == [401] * 20 + [429] * 5
    for refused in answers[20:]:
        await assert_limited(refused)
    # Counted before the PIN is compared: from that address even a right PIN waits.
    await assert_limited(await pay(limited, session, wallets[0]["walletCode"], RIGHT, guesser))
    # The wallets themselves are not locked: their owners pay from elsewhere.
    paid = await pay(limited, session, wallets[0]["walletCode"], RIGHT, new_ip())
    assert paid.status_code == 200, await paid.get_data()


async def test_right_pins_do_not_count_and_every_pin_path_shares_the_count(limited):
    merchant = await register(limited)
    payer = await register(limited, pin=RIGHT)
    shopper_ip = new_ip()
    for _ in range(25):  # more right PINs than the limit: only failures count
        session = await create_session(limited, merchant, Decimal("0.01"))
        assert (
            await pay(limited, session, payer["walletCode"], RIGHT, shopper_ip)
        ).status_code == 200

    session = await create_session(limited, merchant, Decimal("1.00"))
    wallets = [await register(limited, pin=RIGHT) for _ in range(5)]
    for attempt in range(19):
        wrong = await pay(limited, session, wallets[attempt % 5]["walletCode"], WRONG, shopper_ip)
        assert wrong.status_code == 401
    # The 20th failure through a withdrawal by PIN (its owner's token, a guessed PIN).
    owner = wallets[4]
    withdraw = {"walletCode": owner["walletCode"], "amount": Decimal("5.00"), "pin": WRONG}
    assert (
        await post_json(limited, "/api/v1/txn/withdraw", withdraw, shopper_ip, owner["headers"])
    ).status_code == 401
    await assert_limited(
        await post_json(
            limited,
            "/api/v1/txn/withdraw",
            {**withdraw, "pin": RIGHT},
            shopper_ip,
            owner["headers"],
        )
    )

    # The hosted page re-renders its form with the message and 429, not a JSON body.
    page_url = f"/checkout/{session['transactionTraceId']}"
    page = await limited.get(page_url, scope_base={"client": shopper_ip})
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', await page.get_data(as_text=True)
    ).group(1)
    posted = await limited.post(
        page_url,
        scope_base={"client": shopper_ip},
        form={"csrf_token": token, "wallet_code": payer["walletCode"], "pin": RIGHT},
    )
    html = await posted.get_data(as_text=True)
    assert posted.status_code == 429
    assert posted.headers["Content-Type"].startswith("text/html")
    assert 0 < int(posted.headers["Retry-After"]) <= 15 * 60
    assert 'name="pin"' in html and 'role="alert"' in html
    assert "Too many wrong PINs from your network" in html
    assert "Nothing was charged." in html


async def test_concurrent_wrong_pins_cannot_slip_past_the_limit(settings):
    app = create_app(settings.replace(pin_failures_per_ip=10))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        wallets = [await register(client, pin=RIGHT) for _ in range(10)]
        session = await create_session(client, merchant, Decimal("1.00"))
        guesser = new_ip()
        answers = await asyncio.gather(
            *[
                pay(client, session, wallets[i % 10]["walletCode"], WRONG, guesser)
                for i in range(30)
            ]
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [401] * 10 + [429] * 20


async def test_the_limit_can_be_turned_off(settings):
    app = create_app(settings.replace(pin_failures_per_ip=0))
    async with app.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        wallets = [await register(client, pin=RIGHT) for _ in range(6)]
        session = await create_session(client, merchant, Decimal("1.00"))
        guesser = new_ip()
        statuses = {
            (await pay(client, session, w["walletCode"], WRONG, guesser)).status_code
            for w in wallets
            for _ in range(4)
        }
        assert statuses == {401}
