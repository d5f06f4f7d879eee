"""A new merchant finds the way in from /, signs up in Chromium, is paid, and refunds part
of the payment from its page: axe-clean at 360 and 1280 px. Screenshots go to
tests/browser/screenshots/signup_*.png."""

import re
import secrets
from decimal import Decimal

import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, screenshot

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def check(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert no_horizontal_scroll(page), name
    screenshot(page, name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_sign_up_then_refund_from_the_payment_page(new_context, live_server, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    shopper = live.register(live_server, organization="Shopper", pin="246813")
    page = new_context(viewport=viewport)

    page.goto(f"{live_server}/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("link", name="API reference (OpenAPI)").is_visible()
    assert page.get_by_role("link", name="Sign in").is_visible()
    check(page, f"signup_home_{size}")

    page.get_by_role("link", name="Create a merchant account").click()
    page.wait_for_url(f"{live_server}/dashboard/signup")
    email = f"signup-{secrets.token_hex(5)}@example.com"
    # A too-short password first: the form comes back with the message on its field.
    page.get_by_label("Organization name").fill("Harbour Books & Café")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("short")
    page.get_by_label("Business category").fill("books")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_text("Use 8 to 256 characters.").is_visible()
    check(page, f"signup_form_error_{size}")

    page.get_by_label("Password").fill("correct horse 1")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Welcome, Harbour Books & Café").wait_for()
    pin = page.locator("#new-wallet-pin").inner_text()
    wallet_code = page.locator("#new-wallet-code").inner_text()
    assert re.fullmatch(r"[0-9]{6}", pin)
    check(page, f"signup_done_{size}")

    # Paid through the API by a shopper, as a web shop would have it.
    login = live.api(
        live_server, "POST", "/api/v1/org/login", {"email": email, "password": "correct horse 1"}
    )
    merchant = {
        "walletCode": wallet_code,
        "headers": {"Authorization": f"Bearer {login.json()['token']}"},
    }
    session = live.create_session(live_server, merchant, Decimal("12.50"), description="Atlas")
    live.pay(live_server, session, shopper, "246813")

    page.get_by_role("link", name="Go to the dashboard").click()
    page.goto(f"{live_server}/dashboard/sessions/{session['transactionTraceId']}")
    assert page.locator("#session-status").inner_text() == "Complete"
    check(page, f"signup_detail_paid_{size}")

    page.get_by_label("Amount to refund").fill("20")
    page.get_by_role("button", name="Refund", exact=True).click()
    assert page.get_by_role("alert").filter(has_text="At most 12.50 USD").is_visible()
    check(page, f"signup_detail_refund_refused_{size}")

    page.get_by_label("Amount to refund").fill("5.00")
    page.get_by_label("Reason (optional)").fill("Scuffed cover")
    page.get_by_role("button", name="Refund", exact=True).click()
    page.get_by_text("Refunded 5.00 USD.").wait_for()
    assert page.locator("#session-status").inner_text() == "Partially refunded"
    assert page.locator("#refunded-amount").inner_text() == "5.00 USD"
    assert "Scuffed cover" in page.locator("#history").inner_text()
    check(page, f"signup_detail_refunded_{size}")
