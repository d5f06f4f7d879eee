"""The hosted page's one-time-code step, without JavaScript: PIN, then the code from the
mail the real SMTP server received; wrong codes, a new code, another wallet, CSRF."""

import asyncio
import re
from decimal import Decimal

import pytest

from tests.otp_support import THRESHOLD, code_mails, let_resend_now, mailed_code
from tests.support import create_session, register

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def settings(settings):
    return settings.replace(otp_threshold=THRESHOLD)


def page_url(session):
    return f"/checkout/{session['transactionTraceId']}"


async def open_page(client, session):
    response = await client.get(page_url(session))
    html = await response.get_data(as_text=True)
    token = TOKEN.search(html)
    return response, html, token.group(1) if token else None


async def post(client, session, **form):
    return await client.post(page_url(session), form=form)


async def wallet_balance(app, code):
    return (await app.app.extensions["checkout"].db.wallets.find_one({"code": code}))["balance"]


async def to_code_step(client, session, payer):
    """PIN posted on the page: 303 back to the page, which now asks for the code."""
    _, _, token = await open_page(client, session)
    posted = await post(
        client, session, csrf_token=token, wallet_code=payer["walletCode"], pin=payer["pin"]
    )
    assert posted.status_code == 303, await posted.get_data(as_text=True)
    assert posted.headers["Location"] == page_url(session)
    response, html, token = await open_page(client, session)
    assert response.status_code == 200
    return html, token


async def test_a_large_payment_asks_for_the_mailed_code_and_pays_with_it(client, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(
        client, merchant, Decimal("600.00"), successUrl="https://acme.test/ok"
    )
    html, token = await to_code_step(client, session, payer)
    masked = payer["email"][0] + "•••@example.com"
    assert f'We sent a code to <bdi dir="ltr">{masked}</bdi>.' in html
    assert 'name="code"' in html and 'autocomplete="one-time-code"' in html
    assert 'name="pin"' not in html
    assert "Send a new code" in html and "Pay with another wallet" in html
    assert await wallet_balance(app, payer["walletCode"]) == 100000  # nothing moved yet

    # Reloading shows the step again and mails nothing more.
    _, again, _ = await open_page(client, session)
    assert 'name="code"' in again
    code = await mailed_code(app, mail_catcher, payer["email"])
    assert len(code_mails(mail_catcher, payer["email"])) == 1

    paid = await post(
        client, session, csrf_token=token, step="code", code=code[:3] + " " + code[3:]
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == "https://acme.test/ok"
    assert await wallet_balance(app, payer["walletCode"]) == 100000 - 60120
    receipt = await client.get(page_url(session))
    assert "Payment complete" in await receipt.get_data(as_text=True)


async def test_wrong_codes_say_what_is_left_and_the_last_one_sends_back_to_the_pin(
    client, app, mail_catcher
):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    _, token = await to_code_step(client, session, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    first = await post(client, session, csrf_token=token, step="code", code=wrong)
    assert first.status_code == 401
    html = await first.get_data(as_text=True)
    assert "The code is incorrect. 4 attempts left. Nothing was charged." in html
    assert 'name="code"' in html and wrong not in html
    for _ in range(4):
        last = await post(client, session, csrf_token=token, step="code", code=wrong)
    assert "That was the last attempt: ask for a new code." in await last.get_data(as_text=True)

    dead = await post(client, session, csrf_token=token, step="code", code=code)
    assert dead.status_code == 410
    html = await dead.get_data(as_text=True)
    assert "Too many wrong codes. Enter your PIN again to get a new code." in html
    assert 'name="pin"' in html and 'name="code"' not in html
    assert await wallet_balance(app, payer["walletCode"]) == 100000


async def test_a_new_code_waits_its_turn_and_replaces_the_old_one(client, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    _, token = await to_code_step(client, session, payer)
    old = await mailed_code(app, mail_catcher, payer["email"])

    too_soon = await post(client, session, csrf_token=token, step="resend")
    assert too_soon.status_code == 429
    assert int(too_soon.headers["Retry-After"]) <= 30
    assert "You can ask for a new code in" in await too_soon.get_data(as_text=True)

    ctx = app.app.extensions["checkout"]
    await let_resend_now(ctx.redis, session["transactionTraceId"], payer["walletCode"])
    resent = await post(client, session, csrf_token=token, step="resend")
    assert resent.status_code == 303
    new = await mailed_code(app, mail_catcher, payer["email"])
    assert len(code_mails(mail_catcher, payer["email"])) == 2

    # The page now holds the new challenge: the old code is just a wrong one for it (two
    # random codes are equal one time in a million).
    stale = await post(client, session, csrf_token=token, step="code", code=old)
    assert stale.status_code == 401
    assert (await post(client, session, csrf_token=token, step="code", code=new)).status_code == 303


async def test_another_wallet_goes_back_to_the_pin(client, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    _, token = await to_code_step(client, session, payer)
    back = await post(client, session, csrf_token=token, step="restart")
    assert back.status_code == 303
    _, html, _ = await open_page(client, session)
    assert 'name="pin"' in html and 'name="code"' not in html


async def test_the_code_step_needs_its_csrf_token_and_its_browser(client, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    _, token = await to_code_step(client, session, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])

    forged = await post(client, session, step="code", code=code)
    assert forged.status_code == 400
    assert "This page was open too long" in await forged.get_data(as_text=True)

    # Another browser (no cookie naming the challenge) is sent to the PIN form.
    stranger = app.test_client()
    _, _, other_token = await open_page(stranger, session)
    elsewhere = await post(stranger, session, csrf_token=other_token, step="code", code=code)
    assert elsewhere.status_code == 303
    assert await wallet_balance(app, payer["walletCode"]) == 100000

    assert (
        await post(client, session, csrf_token=token, step="code", code=code)
    ).status_code == 303


async def test_two_tabs_submitting_the_code_pay_once(client, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    _, token = await to_code_step(client, session, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])

    tabs = await asyncio.gather(
        *(post(client, session, csrf_token=token, step="code", code=code) for _ in range(2))
    )
    statuses = sorted(tab.status_code for tab in tabs)
    # The loser saw the session paid (409, the receipt) or the code used (410).
    assert statuses[0] == 303 and statuses[1] in (409, 410), statuses
    assert await wallet_balance(app, payer["walletCode"]) == 100000 - 60120
    assert 'name="code"' not in await tabs[1 if tabs[0].status_code == 303 else 0].get_data(
        as_text=True
    )
