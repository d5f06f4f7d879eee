"""The checkout page says who runs it, what happened when a payment link sold out while it
was open, what was refunded on a paid session, and keeps codes left to right in Arabic.
Over real HTTP (live_server) where a shopper's browser would be; through the app where a
setting must differ."""

import html
import re
from decimal import Decimal

import httpx
import pytest

from checkout import create_app
from tests import live
from tests.support import create_session, register

PIN = "424242"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def live_link(base_url, merchant, **extra) -> dict:
    response = live.api(
        base_url,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("25.00"),
            "description": "Concert ticket",
            **extra,
        },
        merchant["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


def open_link_session(base_url, browser: httpx.Client, link) -> str:
    """A shopper opens the link and presses Continue: the checkout page's URL."""
    url = f"{base_url}/pay/{link['code']}"
    token = CSRF.search(browser.get(url).text).group(1)
    created = browser.post(url, data={"csrf_token": token})
    assert created.status_code == 303, created.text
    return base_url + created.headers["Location"]


def pay_through_form(browser: httpx.Client, url: str, wallet_code: str, pin: str = PIN):
    """What a browser without JavaScript sends from an open checkout page."""
    token = CSRF.search(browser.get(url).text).group(1)
    return browser.post(url, data={"csrf_token": token, "wallet_code": wallet_code, "pin": pin})


def wallet_balance(base_url, account) -> Decimal:
    response = live.api(base_url, "GET", "/api/v1/wallets", headers=account["headers"])
    assert response.status_code == 200, response.text
    listed = response.json(parse_float=Decimal)["data"]
    return next(w["balance"] for w in listed if w["walletCode"] == account["walletCode"])


# --- who runs the page ----------------------------------------------------------------------


@pytest.fixture
async def branded_client(settings):
    application = create_app(settings.replace(platform_name="Harbour Pay"))
    async with application.test_app() as test_app:
        yield test_app.test_client()


async def test_every_checkout_state_names_the_platform_and_its_host(branded_client):
    merchant = await register(branded_client, organization="Acme Coffee")
    session = await create_session(branded_client, merchant, Decimal("12.50"))
    for url in (f"/checkout/{session['transactionTraceId']}", "/checkout/cs_no_such_session"):
        page = await (await branded_client.get(url)).get_data(as_text=True)
        assert "Payment processed by Harbour Pay · checkout.test" in text_of(page), url
    page = await (
        await branded_client.get(f"/checkout/{session['transactionTraceId']}?lang=fr")
    ).get_data(as_text=True)
    assert "Paiement traité par Harbour Pay · checkout.test" in text_of(page)
    page = await (
        await branded_client.get(f"/checkout/{session['transactionTraceId']}?lang=ar")
    ).get_data(as_text=True)
    # The host is a Latin name inside Arabic text: isolated, left to right.
    assert '<bdi dir="ltr">checkout.test</bdi>' in page
    assert "Harbour Pay" in page and "Payment processed by" not in page


async def test_the_platform_name_is_escaped(settings):
    application = create_app(settings.replace(platform_name="<b>Pay</b>"))
    async with application.test_app() as test_app:
        page = await (await test_app.test_client().get("/checkout/cs_x")).get_data(as_text=True)
    assert "<b>Pay</b>" not in page and "&lt;b&gt;Pay&lt;/b&gt;" in page


async def test_the_default_platform_name_is_checkout(client):
    page = await (await client.get("/checkout/cs_x")).get_data(as_text=True)
    assert "Payment processed by Checkout · checkout.test" in text_of(page)


# --- a payment link that sells out while its page is open -----------------------------------


def test_a_link_that_sold_out_while_the_page_was_open_says_so(live_server):
    merchant = live.register(live_server, organization="Harbour Hall")
    first_shopper = live.register(live_server, organization="First", pin=PIN)
    late_shopper = live.register(live_server, organization="Late", pin=PIN)
    link = live_link(live_server, merchant, maxPayments=1, cancelUrl="http://127.0.0.1:9/shop")
    with httpx.Client(timeout=30) as first, httpx.Client(timeout=30) as late:
        first_url = open_link_session(live_server, first, link)
        late_url = open_link_session(live_server, late, link)
        late_token = CSRF.search(late.get(late_url).text).group(1)  # the page is open

        assert pay_through_form(first, first_url, first_shopper["walletCode"]).status_code == 303
        sold_out = late.post(
            late_url,
            data={"csrf_token": late_token, "wallet_code": late_shopper["walletCode"], "pin": PIN},
        )
        assert sold_out.status_code == 422
        text = text_of(sold_out.text)
        assert "This payment link has just sold out" in text
        assert "Nothing was charged." in text
        assert "<form" not in sold_out.text and "pay-button" not in sold_out.text
        assert 'data-code="payment_link_limit_reached"' in sold_out.text
        assert "Return to Harbour Hall" in text  # the link's cancel URL is still a way back

        french = late.post(
            late_url + "?lang=fr",
            data={"csrf_token": late_token, "wallet_code": late_shopper["walletCode"], "pin": PIN},
        )
        assert french.status_code == 422
        assert "Ce lien de paiement vient d’être épuisé" in text_of(french.text)
    assert wallet_balance(live_server, late_shopper) == Decimal("1000.00")


# --- refunds on the receipt -----------------------------------------------------------------


def refund(base_url, merchant, session, amount=None):
    payload = {"amount": amount} if amount is not None else {}
    response = live.api(
        base_url,
        "POST",
        f"/api/v1/txn/refund/{session['transactionTraceId']}",
        payload,
        merchant["headers"],
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_the_receipt_shows_a_partial_then_a_full_refund(live_server):
    merchant = live.register(live_server, organization="Acme Coffee")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    session = live.create_session(live_server, merchant, Decimal("12.50"))
    url = session["checkoutUrl"]
    with httpx.Client(timeout=30) as browser:
        assert pay_through_form(browser, url, shopper["walletCode"]).status_code == 303
        receipt = browser.get(url)
        assert receipt.status_code == 200 and "Refunded" not in receipt.text

        refund(live_server, merchant, session, Decimal("5.00"))
        receipt = browser.get(url)
        assert receipt.status_code == 200
        text = text_of(receipt.text)
        assert "Payment complete" in text
        assert "Refunded $5.00" in text and "Refunded in full" not in text
        assert "went back to the paying wallet" in text

        refund(live_server, merchant, session)  # the rest
        receipt = browser.get(url)
        text = text_of(receipt.text)
        assert "Refunded in full" in text and "Refunded $12.50" in text

        french = text_of(browser.get(url + "?lang=fr").text)
        assert "Remboursé en totalité" in french and "Remboursé 12,50 $US" in french


# --- Arabic: codes stay left to right -------------------------------------------------------


def test_codes_stay_left_to_right_in_arabic(live_server):
    merchant = live.register(live_server, organization="Acme Coffee")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    session = live.create_session(live_server, merchant, Decimal("3.00"))
    url = session["checkoutUrl"] + "?lang=ar"
    with httpx.Client(timeout=30) as browser:
        page = browser.get(url).text
        assert '<html lang="ar" dir="rtl">' in page
        field = re.search(r'<input[^>]*id="wallet_code"[^>]*>', page).group(0)
        assert 'dir="ltr"' in field
        hint = re.search(r'<p class="hint" id="wallet_code-hint"[^>]*>(.*?)</p>', page).group(1)
        assert '<span dir="ltr">wllt-</span>' in hint  # the example code inside Arabic text

        refused = pay_through_form(browser, url, shopper["walletCode"], "000000")
        assert refused.status_code == 401
        echoed = re.search(r'<input[^>]*id="wallet_code"[^>]*>', refused.text).group(0)
        assert f'value="{shopper["walletCode"]}"' in echoed and 'dir="ltr"' in echoed

        assert pay_through_form(browser, url, shopper["walletCode"]).status_code == 303
        receipt = browser.get(url).text
        payer = re.search(r"<dt>[^<]+</dt><dd([^>]*)>([^<]*•[^<]*)</dd>", receipt)
        assert payer and 'dir="ltr"' in payer.group(1)
        reference = re.search(
            r'<dd class="mono" dir="ltr">' + session["transactionTraceId"] + "</dd>", receipt
        )
        assert reference
