"""The dashboard's payment links, withdrawals and webhooks pages over HTTP through the
app: the same services as the API, CSRF on every form, refusals re-render the form with
field messages, and the books still reconcile."""

import re
from decimal import Decimal

import pytest

from tests.integration.money_out_support import PIN, balance, checkout_command, pay
from tests.integration.test_dashboard import CSRF, new_ip, sign_in, submit, text
from tests.support import body, call, register
from tests.webhook_support import Receiver, eventually, start_worker

KEY = re.compile(r'id="key" name="key" type="hidden" value="([0-9a-f]{32})"')


@pytest.fixture
def settings(settings):
    # Webhook endpoints on 127.0.0.1 (no DNS here); production refuses private targets.
    return settings.replace(webhook_allow_private_targets=True)


async def api_links(client, merchant) -> list[dict]:
    response = await call(client, "GET", "/api/v1/payment-links", headers=merchant["headers"])
    return (await body(response))["data"]


async def test_create_list_and_deactivate_a_payment_link(app, client):
    merchant = await register(client)
    shopper = await register(client, "Shopper", pin=PIN)
    await sign_in(client, merchant)

    bad = await submit(
        client, "/dashboard/links", {"description": "", "amount": "abc", "max_payments": "0"}
    )
    page = await text(bad)
    assert bad.status_code == 400
    assert "Describe what the link sells." in page
    assert "Enter an amount like 12.50." in page and "From 1 to 1,000,000." in page
    assert await api_links(client, merchant) == []  # nothing written

    made = await submit(
        client,
        "/dashboard/links",
        {
            "description": "Ticket <Friday>",
            "amount": "12.50",
            "max_payments": "3",
            "wallet": merchant["walletCode"],
        },
    )
    assert made.status_code == 303, await text(made)
    [link] = await api_links(client, merchant)
    assert (link["amount"], link["maxPayments"], link["active"]) == (Decimal("12.50"), 3, True)
    assert link["description"] == "Ticket <Friday>"

    # A shopper pays through the link: the list counts it.
    token = CSRF.search(await text(await client.get(f"/pay/{link['code']}"))).group(1)
    opened = await client.post(
        f"/pay/{link['code']}", form={"csrf_token": token}, scope_base={"client": new_ip()}
    )
    assert opened.status_code == 303, await text(opened)
    session_id = opened.headers["Location"].rsplit("/", 1)[1]
    paid = await pay(
        client, {"transactionTraceId": session_id, "totalAmount": Decimal("12.53")}, shopper
    )
    assert paid.status_code == 200, await body(paid)

    page = await text(await client.get("/dashboard/links"))
    row = page[page.index(f'data-link="{link["code"]}"') :]
    row = row[: row.index("</tr>")]
    assert "1 of 3 completed" in row and "Ticket &lt;Friday&gt;" in row
    assert f'value="http://checkout.test/pay/{link["code"]}"' in row
    assert "12.50 USD" in row and ">Active<" in row

    no_csrf = await client.post(
        f"/dashboard/links/{link['code']}/deactivate", scope_base={"client": new_ip()}
    )
    assert no_csrf.status_code == 400
    assert (await api_links(client, merchant))[0]["active"] is True
    done = await submit(
        client, f"/dashboard/links/{link['code']}/deactivate", {}, token_from="/dashboard/links"
    )
    assert done.status_code == 303
    assert (await api_links(client, merchant))[0]["active"] is False
    page = await text(await client.get("/dashboard/links"))
    assert "Deactivated “Ticket &lt;Friday&gt;”" in page and ">Inactive<" in page

    # Another account's link: 404, untouched.
    other, other_browser = await register(client, "Other"), app.test_client()
    await sign_in(other_browser, other)
    refused = await submit(
        other_browser,
        f"/dashboard/links/{link['code']}/deactivate",
        {},
        token_from="/dashboard/links",
    )
    assert refused.status_code == 404


async def withdraw_from_page(client, form: dict, key=None):
    page = await text(await client.get("/dashboard/withdrawals"))
    token, page_key = CSRF.search(page).group(1), KEY.search(page).group(1)
    return await client.post(
        "/dashboard/withdrawals",
        form={"csrf_token": token, "key": key or page_key, **form},
        scope_base={"client": new_ip()},
    )


async def test_withdraw_with_pin_or_password_and_see_the_list(client, store_env):
    merchant = await register(client, pin=PIN)
    await sign_in(client, merchant)
    wallet = merchant["walletCode"]

    both = await withdraw_from_page(
        client, {"wallet": wallet, "amount": "10", "pin": PIN, "password": "x" * 9}
    )
    assert both.status_code == 400
    assert "Enter the wallet&#39;s PIN or your account password (one of them)." in await text(both)
    wrong_pin = await withdraw_from_page(
        client, {"wallet": wallet, "amount": "10", "pin": "000000"}
    )
    assert wrong_pin.status_code == 401
    page = await text(wrong_pin)
    assert "The wallet code or PIN is incorrect." in page
    assert 'value="10"' in page and PIN not in page  # typed amount kept, secrets not echoed
    too_much = await withdraw_from_page(
        client, {"wallet": wallet, "amount": "5000", "password": merchant["password"]}
    )
    assert too_much.status_code == 402
    assert "does not cover the amount plus the withdrawal fee" in await text(too_much)
    assert await balance(client, merchant) == Decimal("1000.00")

    page = await text(await client.get("/dashboard/withdrawals"))
    key = KEY.search(page).group(1)
    form = {"wallet": wallet, "amount": "100.00", "pin": PIN}
    first = await withdraw_from_page(client, form, key)
    assert first.status_code == 303, await text(first)
    again = await withdraw_from_page(client, form, key)  # a double submit withdraws once
    assert again.status_code == 303
    by_password = await withdraw_from_page(
        client, {"wallet": wallet, "amount": "50", "password": merchant["password"]}
    )
    assert by_password.status_code == 303
    assert await balance(client, merchant) == Decimal("846.00")  # 2 x (amount + 2.00 fee)

    page = await text(await client.get("/dashboard/withdrawals"))
    assert "It is pending until paid out." in page
    rows = re.findall(r'data-withdrawal="(wd_[0-9a-f]+)"', page)
    assert len(rows) == 2
    code, out, err = await checkout_command(store_env, "payouts", "mark", rows[1], "paid")
    assert code == 0, out + err
    page = await text(await client.get("/dashboard/withdrawals"))
    statuses = re.findall(r'class="badge badge-withdrawal-(\w+)"', page)
    assert statuses == ["pending", "paid"]  # newest first: 50.00 pending, 100.00 paid out

    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0 and "reconciliation OK" in out, out + err


async def webhook_page(client, endpoint_id: str) -> str:
    page = await client.get(f"/dashboard/webhooks/{endpoint_id}")
    assert page.status_code == 200
    return await text(page)


async def test_webhook_endpoint_test_ping_attempts_redeliver_rotate_and_disable(client, store_env):
    merchant = await register(client)
    await sign_in(client, merchant)
    receiver = Receiver()
    receiver.script = [500]  # the test ping's first attempt fails, its retry succeeds
    worker = start_worker(store_env)
    try:
        bad = await submit(client, "/dashboard/webhooks", {"url": "ftp://x", "events": "nope"})
        page = await text(bad)
        assert bad.status_code == 400
        assert "&#39;nope&#39; is not a valid choice" in page and 'value="ftp://x"' in page
        not_http = await submit(
            client, "/dashboard/webhooks", {"url": "ftp://x", "events": "refund.succeeded"}
        )
        assert not_http.status_code == 400
        assert 'id="url-error"' in await text(not_http)  # the service's refusal, on the field

        made = await submit(
            client,
            "/dashboard/webhooks",
            {"url": receiver.url, "events": "*", "description": "Orders"},
        )
        page = await text(made)
        assert made.status_code == 200, page
        secret = re.search(r'id="new-secret" class="mono" value="(whsec_[^"]+)"', page).group(1)
        endpoint_id = re.search(r'data-endpoint="(we_[0-9a-f]+)"', page).group(1)
        assert secret not in await text(await client.get("/dashboard/webhooks"))  # shown once

        url = f"/dashboard/webhooks/{endpoint_id}"
        sent = await submit(client, f"{url}/test", {}, token_from=url)
        assert sent.status_code == 303

        async def delivered():
            page = await webhook_page(client, endpoint_id)
            return page if "badge-delivery-succeeded" in page else None

        page = await eventually(delivered, what="the ping delivered")
        assert "HTTP 500" in page and "HTTP 200" in page  # both attempts in the log
        assert "receiver is down" in page  # the failed attempt's response excerpt
        delivery_id = re.search(r'data-delivery="(whd_[0-9a-f]+)"', page).group(1)
        signed = receiver.requests[-1]["headers"]["Checkout-Signature"]
        assert signed.count("v1=") == 1

        again = await submit(
            client, f"/dashboard/webhooks/deliveries/{delivery_id}/redeliver", {}, token_from=url
        )
        assert again.status_code == 303
        await eventually(lambda: _count(receiver, 3), what="the redelivery")

        rotated = await submit(client, f"{url}/rotate-secret", {}, token_from=url)
        page = await text(rotated)
        assert rotated.status_code == 200
        new_secret = re.search(r'id="new-secret" class="mono" value="(whsec_[^"]+)"', page).group(1)
        assert new_secret != secret and "Old secret signs until" in page

        disabled = await submit(client, f"{url}/enabled", {}, token_from=url)
        assert disabled.status_code == 303
        listed = await body(
            await call(client, "GET", "/api/v1/webhooks", headers=merchant["headers"])
        )
        assert listed["data"][0]["enabled"] is False
        refused = await submit(client, f"{url}/test", {}, token_from=url)
        assert refused.status_code == 409
        assert "disabled" in (await text(refused)).lower()
        enabled = await submit(client, f"{url}/enabled", {}, token_from=url)
        assert enabled.status_code == 303
        listed = await body(
            await call(client, "GET", "/api/v1/webhooks", headers=merchant["headers"])
        )
        assert listed["data"][0]["enabled"] is True

        other_browser = client.app.test_client()
        other = await register(client, "Other")
        await sign_in(other_browser, other)
        assert (await other_browser.get(url)).status_code == 404
    finally:
        worker.stop()
        receiver.close()


async def _count(receiver, n: int) -> bool:
    return len(receiver.requests) >= n
