"""Refund and Cancel from the dashboard's payment page, over HTTP through the app: the same
money moves and status changes as the API's, refusals re-render the page, and the books
still reconcile."""

import re
from decimal import Decimal

from tests.integration.money_out_support import (
    PIN,
    balance,
    checkout_command,
    paid_session,
    pay,
)
from tests.integration.test_dashboard import CSRF, new_ip, sign_in, text
from tests.support import body, call, create_session, register

KEY = re.compile(r'id="key" name="key" type="hidden" value="([0-9a-f]{32})"')


async def detail_tokens(client, session_id: str) -> tuple[str, str | None]:
    page = await client.get(f"/dashboard/sessions/{session_id}")
    assert page.status_code == 200
    content = await text(page)
    key = KEY.search(content)
    return CSRF.search(content).group(1), key.group(1) if key else None


async def refund_from_page(client, session_id: str, amount="", reason="", key=None):
    token, page_key = await detail_tokens(client, session_id)
    return await client.post(
        f"/dashboard/sessions/{session_id}/refund",
        form={"csrf_token": token, "key": key or page_key, "amount": amount, "reason": reason},
        scope_base={"client": new_ip()},
    )


async def read_session(client, merchant, session_id) -> dict:
    response = await call(
        client, "GET", f"/api/v1/txn/payment-session/{session_id}", headers=merchant["headers"]
    )
    return await body(response)


async def api_refunds(client, merchant, session_id) -> list[dict]:
    response = await call(
        client, "GET", f"/api/v1/txn/refund/{session_id}", headers=merchant["headers"]
    )
    return (await body(response))["data"]


async def test_partial_then_full_refund_from_the_payment_page(client, store_env):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    session_id = session["transactionTraceId"]
    await sign_in(client, merchant)
    page = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert 'id="session-status">Complete<' in page and ">Refund</button>" in page
    assert "Cancel payment" not in page  # a paid session cannot be canceled

    token, key = await detail_tokens(client, session_id)
    form = {"csrf_token": token, "key": key, "amount": "4.00", "reason": "Damaged cover"}
    url = f"/dashboard/sessions/{session_id}/refund"
    response = await client.post(url, form=form, scope_base={"client": new_ip()})
    assert response.status_code == 303, await text(response)
    # A double submit of the same page's form refunds once (its key is the idempotency key).
    again = await client.post(url, form=form, scope_base={"client": new_ip()})
    assert again.status_code == 303

    refunds = await api_refunds(client, merchant, session_id)
    assert [(r["amount"], r["reason"]) for r in refunds] == [(Decimal("4.00"), "Damaged cover")]
    assert await balance(client, merchant) == Decimal("1006.00")
    assert await balance(client, shopper) == Decimal("993.98")  # paid 10.02, got 4.00 back
    assert (await read_session(client, merchant, session_id))["refundedAmount"] == Decimal("4.00")

    page = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert "Refunded 4.00 USD." in page  # the flash after the redirect
    assert 'id="session-status">Partially refunded<' in page
    assert 'id="refunded-amount">4.00 USD<' in page
    history = page[page.index('id="history"') :]
    history = history[: history.index("</table>")]
    assert 'class="history-refund"' in history and "Damaged cover" in history
    assert refunds[0]["id"] in history and "−4.00 USD" in history
    assert "6.00 USD is left to refund" in page

    response = await refund_from_page(client, session_id)  # empty amount: the rest
    assert response.status_code == 303
    page = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert 'id="session-status">Refunded<' in page
    assert 'id="refunded-amount">10.00 USD<' in page
    assert page.count('class="history-refund"') == 2 and "No reason given" in page
    assert ">Refund</button>" not in page  # nothing left to refund
    assert await balance(client, merchant) == Decimal("1000.00")
    assert await balance(client, shopper) == Decimal("999.98")

    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err
    assert "reconciliation OK" in out


async def test_refusals_re_render_the_page_with_a_message(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("10.00"))
    session_id = session["transactionTraceId"]
    await sign_in(client, merchant)

    too_large = await refund_from_page(client, session_id, amount="10.01")
    page = await text(too_large)
    assert too_large.status_code == 422
    assert "At most 10.00 USD is left to refund on this payment." in page
    assert 'value="10.01"' in page  # the form comes back as typed

    for typed, message in (("abc", "Enter an amount like 12.50."), ("1.234", "decimal places")):
        bad = await refund_from_page(client, session_id, amount=typed)
        assert bad.status_code == 400 and message in await text(bad)

    token, key = await detail_tokens(client, session_id)
    no_csrf = await client.post(
        f"/dashboard/sessions/{session_id}/refund",
        form={"key": key, "amount": "1.00"},
        scope_base={"client": new_ip()},
    )
    assert no_csrf.status_code == 400 and "This form has expired" in await text(no_csrf)
    assert await api_refunds(client, merchant, session_id) == []

    unpaid = await create_session(client, merchant, Decimal("5.00"))
    not_paid = await refund_from_page(
        client, unpaid["transactionTraceId"], amount="1.00", key="1" * 32
    )
    assert not_paid.status_code == 422
    assert "Only a paid payment session can be refunded." in await text(not_paid)

    # The merchant spends its balance elsewhere: the refund cannot be covered.
    elsewhere = await register(client, "Elsewhere")
    big = await create_session(client, elsewhere, Decimal("1000.00"))
    spent = await pay(
        client, big, {"walletCode": merchant["walletCode"]}, pin=await pin_of(client, merchant)
    )
    assert spent.status_code == 200, await spent.get_data()
    poor = await refund_from_page(client, session_id, amount="10.00")
    assert poor.status_code == 402
    assert "The merchant wallet balance is too low for this refund" in await text(poor)
    assert await api_refunds(client, merchant, session_id) == []

    # Someone else's payment is not found, never a 500.
    other = await register(client, "Other")
    theirs = await paid_session(client, other, shopper, Decimal("3.00"))
    token, _ = await detail_tokens(client, session_id)
    response = await client.post(
        f"/dashboard/sessions/{theirs['transactionTraceId']}/refund",
        form={"csrf_token": token, "key": "0" * 32, "amount": ""},
        scope_base={"client": new_ip()},
    )
    assert response.status_code == 404


async def pin_of(client, merchant) -> str:
    """Give the merchant's default wallet a known PIN through the dashboard's PIN reset."""
    from tests.integration.test_dashboard import submit

    response = await submit(
        client,
        f"/dashboard/wallets/{merchant['walletCode']}/reset-pin",
        {"password": merchant["password"]},
    )
    assert response.status_code == 200
    return re.search(r'id="new-pin">([0-9]{6})<', await text(response)).group(1)


async def test_cancel_from_the_payment_page(client, store_env):
    merchant = await register(client)
    session = await create_session(client, merchant, Decimal("8.00"))
    session_id = session["transactionTraceId"]
    await sign_in(client, merchant)
    page = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert "Cancel payment" in page and ">Refund</button>" not in page

    token = CSRF.search(page).group(1)
    url = f"/dashboard/sessions/{session_id}/cancel"
    refused = await client.post(url, form={}, scope_base={"client": new_ip()})
    assert refused.status_code == 400 and "This form has expired" in await text(refused)
    assert (await read_session(client, merchant, session_id))["status"] == "open"

    response = await client.post(url, form={"csrf_token": token}, scope_base={"client": new_ip()})
    assert response.status_code == 303
    assert (await read_session(client, merchant, session_id))["status"] == "canceled"
    page = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert 'id="session-status">Canceled<' in page and 'class="history-canceled"' in page
    assert "Cancel payment" not in page
    # The checkout page no longer takes payment.
    shopper = await register(client, "Shopper", pin=PIN)
    assert (await pay(client, session, shopper)).status_code == 409

    again = await client.post(url, form={"csrf_token": token}, scope_base={"client": new_ip()})
    assert again.status_code == 409
    assert "Only an open payment session can be expired; this one is canceled." in await text(again)

    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err
