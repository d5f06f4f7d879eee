"""The hosted checkout page in Chromium: every state at phone and desktop size in English,
French and Arabic (RTL) with zero axe-core violations, no horizontal scroll and 44px
targets; keyboard-only payment; payment, errors and expiry with JavaScript off; the
countdown's polite announcements; one payment for a double click."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser

PIN = "424242"
STATES = (
    "open",
    "wrong_pin",
    "insufficient_funds",
    "wallet_locked",
    "complete",
    "expired",
    "canceled",
    "unknown",
)
EXPECTED_STATUS = {
    "open": 200,
    "wrong_pin": 401,
    "insufficient_funds": 402,
    "wallet_locked": 423,
    "complete": 200,
    "expired": 410,
    "canceled": 410,
    "unknown": 404,
}


def past() -> datetime:
    return datetime.now(UTC) - timedelta(seconds=5)


def accept_payment(base_url, session, wallet_code, pin):
    return live.api(
        base_url,
        "POST",
        f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
        {"fromWalletCode": wallet_code, "totalAmount": session["totalAmount"], "pin": pin},
    )


@pytest.fixture(scope="module")
def shop(live_server, session_records):
    """A merchant, shoppers and one session in each state that lasts (paid, expired,
    canceled); the error states are produced by submitting the form."""
    merchant = live.register(live_server, organization="Acme Coffee")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    locked = live.register(live_server, organization="Locked", pin=PIN)
    for _ in range(5):
        assert accept_payment(
            live_server,
            live.create_session(live_server, merchant, Decimal("1.00")),
            locked["walletCode"],
            "000000",
        ).status_code in (401, 423)
    extra = {"description": "2 flat whites and a croissant", "cancelUrl": "http://127.0.0.1:9/cart"}
    sessions = {
        name: live.create_session(live_server, merchant, Decimal("12.50"), **extra)
        for name in ("open", "complete", "expired", "canceled")
    }
    sessions["big"] = live.create_session(live_server, merchant, Decimal("999.00"), **extra)
    assert (
        accept_payment(live_server, sessions["complete"], shopper["walletCode"], PIN).status_code
        == 200
    )
    session_records(sessions["expired"]["transactionTraceId"], expires_at=past())
    session_records(
        sessions["canceled"]["transactionTraceId"], status="canceled", canceled_at=past()
    )
    return {
        "merchant": merchant,
        "shopper": shopper,
        "locked": locked,
        "sessions": sessions,
        "base": live_server,
    }


def pay_through_form(page, wallet_code, pin):
    page.get_by_label(page.locator("label[for=wallet_code]").inner_text()).fill(wallet_code)
    page.locator("#pin").fill(pin)
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.locator("button.pay-button").click()
    page.wait_for_load_state()
    return response.value


def show_state(page, shop, state, lang):
    sessions, query = shop["sessions"], f"?lang={lang}"
    if state == "unknown":
        return page.goto(f"{shop['base']}/checkout/cs_no_such_session{query}")
    if state in ("open", "complete", "expired", "canceled"):
        return page.goto(sessions[state]["checkoutUrl"] + query)
    target = sessions["big" if state == "insufficient_funds" else "open"]
    page.goto(target["checkoutUrl"] + query)
    if state == "wrong_pin":
        # A fresh shopper each time keeps the attempts shown the same on every screenshot.
        shopper = live.register(shop["base"], organization="Typo", pin=PIN)
        return pay_through_form(page, shopper["walletCode"], "000000")
    payer = shop["locked" if state == "wallet_locked" else "shopper"]
    return pay_through_form(page, payer["walletCode"], PIN)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ar", "fr"])
def test_every_state_is_accessible_and_fits(new_context, shop, viewport, lang):
    page = new_context(viewport=viewport)
    size = "phone" if viewport is PHONE else "desktop"
    problems = {}
    for state in STATES:
        response = show_state(page, shop, state, lang)
        assert response.status == EXPECTED_STATUS[state], (state, response.status)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        found = axe_violations(page) + layout_problems(page)
        if found:
            problems[state] = found
        screenshot(page, f"{state}_{lang}_{size}")
    assert problems == {}


def test_error_states_say_what_happened(page, shop):
    expectations = {
        "wrong_pin": "The wallet code or PIN is incorrect. 4 attempts left.",
        "insufficient_funds": "Your wallet balance is too low for this payment.",
        "wallet_locked": "This wallet is locked after too many wrong PINs.",
    }
    for state, message in expectations.items():
        show_state(page, shop, state, "en")
        alert = page.get_by_role("alert")
        assert message in alert.inner_text() and "Nothing was charged." in alert.inner_text()
        assert page.title().startswith("Error:")
        assert page.locator("#pin").input_value() == ""


def test_keyboard_only_payment(page, live_server, merchant_site):
    merchant = live.register(live_server, organization="Keyboard Café")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    session = live.create_session(
        live_server,
        merchant,
        Decimal("4.20"),
        successUrl=merchant_site + "/thanks?s={CHECKOUT_SESSION_ID}",
    )
    page.goto(session["checkoutUrl"])

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "wallet_code"
    page.keyboard.type(shopper["walletCode"])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "pin"
    page.keyboard.type(PIN)
    page.keyboard.press("Enter")
    page.wait_for_url(merchant_site + "/thanks**")
    assert page.url.endswith(session["transactionTraceId"])


def test_focus_is_visible_on_every_control(page, shop):
    page.goto(shop["sessions"]["open"]["checkoutUrl"])
    outlines = []
    for _ in range(6):  # wallet code, PIN, Pay, cancel, language links
        page.keyboard.press("Tab")
        outlines.append(
            page.evaluate(
                "getComputedStyle(document.activeElement).outlineStyle + ' ' + document.activeElement.tagName"
            )
        )
    assert all(o.startswith("solid") for o in outlines), outlines


def test_without_javascript_pay_errors_and_expiry_work(
    new_context, live_server, merchant_site, shop
):
    page = new_context(java_script_enabled=False)
    merchant = live.register(live_server, organization="No-JS Books")
    shopper = live.register(live_server, organization="Shopper", pin=PIN)
    session = live.create_session(
        live_server,
        merchant,
        Decimal("7.00"),
        successUrl=merchant_site + "/thanks?s={CHECKOUT_SESSION_ID}",
    )
    page.goto(session["checkoutUrl"])
    assert page.evaluate("1 + 1") == 2  # evaluate is DevTools, not the page's JavaScript
    assert page.locator("#countdown time").inner_text().startswith(("9:", "10:"))

    wrong = pay_through_form(page, shopper["walletCode"], "111111")
    assert wrong.status == 401 and "4 attempts left" in page.get_by_role("alert").inner_text()
    screenshot(page, "nojs_wrong_pin_en_desktop")

    page.locator("#pin").fill(PIN)  # the wallet code is still filled in
    page.locator("button.pay-button").click()
    page.wait_for_url(merchant_site + "/thanks**")
    assert page.url.endswith(session["transactionTraceId"])

    page.goto(session["checkoutUrl"])
    assert page.get_by_text("Payment complete").is_visible()
    expired = page.goto(shop["sessions"]["expired"]["checkoutUrl"])
    assert expired.status == 410
    assert page.get_by_role("heading", name="This payment has expired").is_visible()


def test_double_click_submits_the_payment_once(page, shop):
    page.goto(shop["sessions"]["open"]["checkoutUrl"])
    # Count the submissions that would leave the page, and keep the page here to look.
    page.evaluate("""() => {
      window.sent = 0;
      document.querySelector('form').addEventListener('submit', (event) => {
        if (!event.defaultPrevented) window.sent += 1;
        event.preventDefault();
      });
    }""")
    page.locator("#wallet_code").fill(shop["shopper"]["walletCode"])
    page.locator("#pin").fill(PIN)
    pay = page.locator("button.pay-button")
    pay.dblclick()
    assert page.evaluate("window.sent") == 1
    assert pay.is_disabled()


def test_countdown_announces_politely_at_5_min_1_min_and_expiry(page, shop, session_records):
    session = live.create_session(shop["base"], shop["merchant"], Decimal("2.00"))
    page.clock.install()
    page.goto(session["checkoutUrl"])
    live_region = page.locator("#countdown-live")
    assert live_region.get_attribute("aria-live") == "polite"
    assert page.locator("#countdown").get_attribute("aria-live") is None  # not every second
    left = int(page.locator("#countdown").get_attribute("data-seconds-left"))
    assert live_region.inner_text() == ""

    page.clock.run_for((left - 301) * 1000)
    assert live_region.inner_text() == ""
    page.clock.run_for(2000)
    assert live_region.inner_text() == "5 minutes left to pay."
    page.clock.run_for(200_000)  # 1:39 left: nothing new was said
    assert live_region.inner_text() == "5 minutes left to pay."
    assert page.locator("#countdown time").inner_text() == "1:39"
    page.clock.run_for(40_000)
    assert live_region.inner_text() == "1 minute left to pay."
    page.clock.run_for(60_000)
    assert live_region.inner_text() == "Time is up: this payment page has expired."
    assert page.locator("button.pay-button").is_disabled()

    # The page then asks the server, which shows the expired page once it agrees.
    session_records(session["transactionTraceId"], expires_at=past())
    with page.expect_navigation():
        page.clock.run_for(6000)
    assert page.get_by_role("heading", name="This payment has expired").is_visible()


def test_arabic_page_mirrors(new_context, shop):
    page = new_context(viewport=PHONE, locale="ar-EG")  # Accept-Language, no ?lang=
    page.goto(shop["sessions"]["open"]["checkoutUrl"])
    assert page.locator("html").get_attribute("dir") == "rtl"
    total = page.locator(".amounts .total")
    label, amount = total.locator("dt").bounding_box(), total.locator("dd").bounding_box()
    assert label["x"] > amount["x"]  # the label starts on the right
    assert "ادفع" in page.locator("button.pay-button").inner_text()
    field = page.locator("#wallet_code")
    assert field.get_attribute("dir") == "ltr"  # codes read left to right in every language


def test_receipt_prints_without_buttons_or_footer(page, shop):
    page.goto(shop["sessions"]["complete"]["checkoutUrl"])
    assert page.get_by_role("button", name="Print receipt").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("footer").is_visible()
    assert not page.locator(".actions").is_visible()
    assert page.get_by_role("heading", name="Receipt").is_visible()
    screenshot(page, "complete_en_print")
