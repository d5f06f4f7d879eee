"""The checkout page's trust states in Chromium: a payment link that sold out while the
page was open, and receipts after a partial and a full refund, at phone and desktop size in
English and Arabic with zero axe-core violations and nothing cut off; codes stay left to
right inside the Arabic page; the footer names the platform and its host."""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot
from .test_checkout_page import accept_payment, pay_through_form

pytestmark = pytest.mark.browser

PIN = "424242"
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def link_session_url(base_url, link) -> str:
    """A shopper who opened the link and pressed Continue: their checkout page."""
    with httpx.Client(timeout=30) as browser:
        url = f"{base_url}/pay/{link['code']}"
        token = CSRF.search(browser.get(url).text).group(1)
        created = browser.post(url, data={"csrf_token": token})
        assert created.status_code == 303, created.text
        return base_url + created.headers["Location"]


def session_id(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[1]


def refund(base_url, merchant, session, amount=None):
    response = live.api(
        base_url,
        "POST",
        f"/api/v1/txn/refund/{session['transactionTraceId']}",
        {"amount": amount} if amount is not None else {},
        merchant["headers"],
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def shop(live_server):
    merchant = live.register(live_server, organization="Harbour Hall")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    extra = {"description": "2 flat whites and a croissant", "cancelUrl": "http://127.0.0.1:9/cart"}
    partly = live.create_session(live_server, merchant, Decimal("12.50"), **extra)
    fully = live.create_session(live_server, merchant, Decimal("12.50"), **extra)
    for session in (partly, fully):
        assert accept_payment(live_server, session, shopper["walletCode"], PIN).status_code == 200
    refund(live_server, merchant, partly, Decimal("5.00"))
    refund(live_server, merchant, fully)
    return {
        "base": live_server,
        "merchant": merchant,
        "shopper": shopper,
        "refunded": {"partly": partly, "fully": fully},
    }


def sell_out_while_open(page, shop, lang):
    """Two shoppers hold the link's only payment open; the other one pays first; this page
    then submits its form."""
    base = shop["base"]
    link = live.api(
        base,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": shop["merchant"]["walletCode"],
            "amount": Decimal("25.00"),
            "description": "Concert ticket, row F",
            "maxPayments": 1,
            "cancelUrl": "http://127.0.0.1:9/shop",
        },
        shop["merchant"]["headers"],
    ).json()
    mine, theirs = link_session_url(base, link), link_session_url(base, link)
    page.goto(f"{mine}?lang={lang}")
    other = live.register(base, organization="Quicker", pin=PIN)
    quicker = {"transactionTraceId": session_id(theirs), "totalAmount": Decimal("25.05")}
    assert accept_payment(base, quicker, other["walletCode"], PIN).status_code == 200
    return pay_through_form(page, shop["shopper"]["walletCode"], PIN)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_sold_out_and_refunded_receipts_are_accessible_and_fit(new_context, shop, viewport, lang):
    page = new_context(viewport=viewport)
    size = "phone" if viewport is PHONE else "desktop"
    problems = {}

    response = sell_out_while_open(page, shop, lang)
    assert response.status == 422
    assert page.locator("#sold-out").is_visible()
    assert page.locator("form").count() == 0 and page.locator("button").count() == 0
    if lang == "en":
        heading = page.get_by_role("heading", level=1)
        assert heading.inner_text() == "This payment link has just sold out"
        assert "Nothing was charged." in page.locator("#sold-out").inner_text()
    found = axe_violations(page) + layout_problems(page)
    if found:
        problems["sold_out"] = found
    screenshot(page, f"sold_out_{lang}_{size}")

    for name, session in shop["refunded"].items():
        response = page.goto(f"{session['checkoutUrl']}?lang={lang}")
        assert response.status == 200
        assert page.locator("#refund-notice").is_visible()
        assert page.locator(".receipt .refunded dd").is_visible()
        if lang == "en":
            notice = page.locator("#refund-notice").inner_text()
            assert notice.startswith("Refunded in full") == (name == "fully"), notice
            expected = "$12.50" if name == "fully" else "$5.00"
            assert page.locator(".receipt .refunded dd").inner_text() == expected
        found = axe_violations(page) + layout_problems(page)
        if found:
            problems[f"refunded_{name}"] = found
        screenshot(page, f"refunded_{name}_{lang}_{size}")
    assert problems == {}


def test_codes_read_left_to_right_inside_the_arabic_page(new_context, shop):
    page = new_context(viewport=PHONE)
    session = live.create_session(shop["base"], shop["merchant"], Decimal("3.00"))
    page.goto(f"{session['checkoutUrl']}?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    direction = "el => getComputedStyle(el).direction"
    field = page.locator("#wallet_code")
    assert field.evaluate(direction) == "ltr"
    example = page.locator("#wallet_code-hint [dir=ltr]")
    assert example.inner_text() == "wllt-" and example.evaluate(direction) == "ltr"
    assert page.locator("#wallet_code-hint").evaluate(direction) == "rtl"  # the Arabic around it
    # Drawn in its own order: the "w" left of the "-", not "-wllt".
    assert example.evaluate("""el => {
      const text = el.firstChild, range = document.createRange();
      range.setStart(text, 0); range.setEnd(text, 1);
      const w = range.getBoundingClientRect().left;
      range.setStart(text, 4); range.setEnd(text, 5);
      return range.getBoundingClientRect().left > w;
    }""")
    field.fill(shop["shopper"]["walletCode"])  # lined up with its label on the right
    host = page.locator("footer .platform bdi[dir=ltr]")
    assert host.inner_text() == urlsplit(shop["base"]).netloc
    screenshot(page, "codes_ltr_ar_phone")

    assert (
        accept_payment(shop["base"], session, shop["shopper"]["walletCode"], PIN).status_code == 200
    )
    page.goto(f"{session['checkoutUrl']}?lang=ar")
    for code in page.locator(".receipt dd[dir=ltr]").all():
        assert code.evaluate(direction) == "ltr"
    assert page.locator(".receipt .reference dd").inner_text() == session["transactionTraceId"]
    screenshot(page, "receipt_codes_ltr_ar_phone")
