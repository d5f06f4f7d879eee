"""Wallet codes cannot be probed: another account's wallet answers exactly like a wallet
that does not exist (404 wallet_not_found), on every endpoint that takes a wallet code."""

from decimal import Decimal

from tests.integration.money_out_support import PIN
from tests.integration.test_dashboard import sign_in, submit
from tests.support import body, call, register


async def answer(response) -> tuple[int, str]:
    return response.status_code, (await body(response))["error"]["code"]


async def api_answers(client, caller, code) -> dict:
    """What each wallet-taking API endpoint says to `caller` about wallet `code`."""
    headers = caller["headers"]
    return {
        "payment-session": await answer(
            await call(
                client, "POST", f"/api/v1/txn/payment-session/{code}", {"amount": 5}, headers
            )
        ),
        "payment-link": await answer(
            await call(
                client,
                "POST",
                "/api/v1/payment-links",
                {"walletCode": code, "amount": Decimal("5.00"), "description": "Probe"},
                headers,
            )
        ),
        "withdraw-pin": await answer(
            await call(
                client,
                "POST",
                "/api/v1/txn/withdraw",
                {"walletCode": code, "amount": Decimal("5.00"), "pin": PIN},
                headers,
            )
        ),
        "withdraw-password": await answer(
            await call(
                client,
                "POST",
                "/api/v1/txn/withdraw",
                {"walletCode": code, "amount": Decimal("5.00"), "password": caller["password"]},
                headers,
            )
        ),
    }


async def test_another_accounts_wallet_answers_like_an_unknown_one_on_the_api(client):
    prober, victim = await register(client), await register(client, pin=PIN)
    unknown = "wllt-" + "z" * 10
    expected = (404, "wallet_not_found")
    # Before the owner has used the wallet (nothing remembered about it in this process)...
    assert await api_answers(client, prober, victim["walletCode"]) == dict.fromkeys(
        ["payment-session", "payment-link", "withdraw-pin", "withdraw-password"], expected
    )
    # ...and after (the owner's session creation remembers the wallet's owner and currency).
    created = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{victim['walletCode']}",
        {"amount": 5},
        victim["headers"],
    )
    assert created.status_code == 201
    foreign = await api_answers(client, prober, victim["walletCode"])
    missing = await api_answers(client, prober, unknown)
    assert foreign == missing == dict.fromkeys(foreign, expected)


async def test_another_accounts_wallet_answers_like_an_unknown_one_in_the_dashboard(client):
    prober, victim = await register(client), await register(client)
    await sign_in(client, prober)
    unknown = "wllt-" + "z" * 10
    for url in ("/dashboard/wallets/{}", "/dashboard/wallets/{}/reset-pin"):
        foreign = await client.get(url.format(victim["walletCode"]))
        missing = await client.get(url.format(unknown))
        assert foreign.status_code == missing.status_code == 404, url
    foreign = await submit(
        client,
        f"/dashboard/wallets/{victim['walletCode']}/reset-pin",
        {"password": prober["password"]},
        token_from="/dashboard/wallets",
    )
    missing = await submit(
        client,
        f"/dashboard/wallets/{unknown}/reset-pin",
        {"password": prober["password"]},
        token_from="/dashboard/wallets",
    )
    assert foreign.status_code == missing.status_code == 404
