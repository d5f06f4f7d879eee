"""Walk the dashboard's navigation to every page, old and new, in Chromium at 360 px and
1280 px: each is axe-clean and nothing is cut off (no page wider than the screen, no table
cell or detail value that clips its text). On the phone the navigation is a Menu
disclosure that keeps the header small. Screenshots: tests/browser/screenshots/pages_*.png.
"""

import re
from decimal import Decimal

import pytest

from tests import live
from tests.webhook_support import Receiver, start_worker

from .conftest import DESKTOP, PHONE, axe_violations, screenshot

pytestmark = pytest.mark.browser
PASSWORD = "correct horse 1"


@pytest.fixture(scope="module")
def store_env(store_env):
    # The webhook receiver listens on 127.0.0.1, which production refuses.
    return {**store_env, "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}


CUT_OFF = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth) {
    problems.push(`page wider than the screen: ${root.scrollWidth} > ${root.clientWidth}`);
  }
  for (const el of document.querySelectorAll('main *')) {
    if (el.closest('svg, .visually-hidden') || ['INPUT', 'SELECT', 'TEXTAREA', 'OPTION'].includes(el.tagName)) continue;
    if (el.clientWidth === 0) continue;
    const style = getComputedStyle(el);
    const clips = style.overflowX !== 'visible' || ['TD', 'TH', 'DD', 'DT'].includes(el.tagName);
    if (clips && el.scrollWidth > el.clientWidth + 1) {
      const text = (el.textContent || '').trim().slice(0, 40);
      problems.push(`${el.tagName}.${el.className} cuts off "${text}": ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  return problems;
}"""


def check(page, name: str) -> None:
    page.wait_for_load_state()
    assert axe_violations(page) == [], name
    assert page.evaluate(CUT_OFF) == [], name
    screenshot(page, name)


def go(page, name: str) -> None:
    """Follow a link of the dashboard navigation, through the Menu on a phone."""
    menu = page.locator("details.dash-menu")
    if menu.is_visible():
        page.get_by_text("Menu", exact=True).click()
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name=name).click()
    page.wait_for_load_state()


def seed(base: str) -> dict:
    """A merchant with a paid and refunded payment, an open one, a payment link and a
    webhook endpoint with a delivered test ping."""
    merchant = live.register(base, organization="Harbour Books & Café", pin="135790")
    shopper = live.register(base, organization="Shopper", pin="246813")
    paid = live.create_session(
        base,
        merchant,
        Decimal("234.50"),
        description="A very long description: Collected works of the harbour poets, volumes 1–12",
        customerEmail="a.really.long.customer.address@example-bookshop.co.uk",
        clientReferenceId="order-2026-11-000123456789",
    )
    live.pay(base, paid, shopper, "246813")
    refunded = live.api(
        base,
        "POST",
        f"/api/v1/txn/refund/{paid['transactionTraceId']}",
        {"amount": Decimal("34.50"), "reason": "Scuffed cover"},
        merchant["headers"],
    )
    assert refunded.status_code == 201, refunded.text
    live.create_session(base, merchant, Decimal("7.25"), description="Postcard")
    link = live.api(
        base,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("15.00"),
            "description": "Gift card",
        },
        merchant["headers"],
    )
    assert link.status_code == 201, link.text
    return merchant


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_dashboard_page_through_the_navigation(new_context, live_server, store_env, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    merchant = seed(live_server)
    receiver, worker = Receiver(), start_worker(store_env)
    try:
        page = new_context(viewport=viewport)
        page.goto(f"{live_server}/dashboard/login")
        page.get_by_label("Email").fill(merchant["email"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server}/dashboard/")

        header = page.locator(".dash-header").bounding_box()
        assert header["height"] < 120, header  # not 300 px of links above the content
        check(page, f"pages_overview_{size}")
        if viewport is PHONE:
            page.get_by_text("Menu", exact=True).click()
            check(page, f"pages_menu_open_{size}")
            page.get_by_text("Menu", exact=True).click()
        page.get_by_text("Daily figures as a table").click()
        check(page, f"pages_overview_table_{size}")

        page.get_by_role("link", name="New payment").first.click()
        check(page, f"pages_session_new_{size}")

        go(page, "Payments")
        check(page, f"pages_sessions_{size}")
        page.get_by_label(re.compile("^Trace id")).fill("harbour poets")
        page.get_by_role("button", name="Filter").click()
        rows = page.locator("tr[data-session-id]")
        assert rows.count() == 1
        rows.get_by_role("link").click()
        assert page.locator("#session-status").inner_text() == "Partially refunded"
        check(page, f"pages_session_detail_{size}")

        go(page, "Payment links")
        assert "0 completed" in page.locator("#links-table").inner_text()
        page.get_by_label("Amount").fill("abc")
        page.get_by_role("button", name="Create payment link").click()
        assert page.get_by_text("Describe what the link sells.").is_visible()
        check(page, f"pages_links_error_{size}")
        page.get_by_label("What the customer pays for").fill("Tote bag")
        page.get_by_label("Amount").fill("12")
        page.get_by_role("button", name="Create payment link").click()
        assert page.locator("#links-table tbody tr").count() == 2
        check(page, f"pages_links_{size}")
        page.get_by_role("button", name="Deactivate Tote bag").click()
        assert page.get_by_text("Deactivated “Tote bag”").is_visible()

        go(page, "Transactions")
        check(page, f"pages_transactions_{size}")

        go(page, "Wallets")
        check(page, f"pages_wallets_{size}")
        page.locator("#wallets-table").get_by_role("link", name="Statement").first.click()
        check(page, f"pages_wallet_statement_{size}")
        page.get_by_role("link", name="Reset PIN").click()
        check(page, f"pages_reset_pin_{size}")

        go(page, "Withdrawals")
        page.get_by_label("Amount").fill("50")
        page.get_by_label("Wallet PIN").fill("135790")
        page.get_by_label("Or your account password").fill(PASSWORD)
        page.get_by_role("button", name="Withdraw").click()
        assert page.get_by_text("Enter the wallet's PIN or your account password").is_visible()
        check(page, f"pages_withdrawals_error_{size}")
        page.get_by_label("Amount").fill("50")
        page.get_by_label("Wallet PIN").fill("135790")
        page.get_by_role("button", name="Withdraw").click()
        page.get_by_text("It is pending until paid out.").wait_for()
        assert "Pending" in page.locator("#withdrawals-table").inner_text()
        check(page, f"pages_withdrawals_{size}")

        go(page, "Webhooks")
        page.get_by_label("Endpoint URL").fill(receiver.url)
        page.get_by_label("Description (optional)").fill("Order system")
        page.get_by_role("button", name="Add endpoint").click()
        assert page.locator("#new-secret").input_value().startswith("whsec_")
        check(page, f"pages_webhooks_{size}")
        page.get_by_role("link", name="Open the endpoint").click()
        page.get_by_role("button", name="Send a test event").click()
        for _ in range(
            240
        ):  # the worker sends it; reload until it shows (a deadline, not a timing)
            if page.locator(".badge-delivery-succeeded").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        assert "HTTP 200" in page.locator("#deliveries").inner_text()
        check(page, f"pages_webhook_detail_{size}")
        page.get_by_role("button", name="Rotate secret").click()
        assert page.locator("#new-secret").input_value().startswith("whsec_")
        check(page, f"pages_webhook_rotated_{size}")

        go(page, "API keys")
        check(page, f"pages_keys_{size}")
        go(page, "Profile")
        check(page, f"pages_profile_{size}")
        go(page, "Overview")
        assert page.locator("#volume-today").inner_text() == "234.50 USD"
    finally:
        worker.stop()
        receiver.close()
