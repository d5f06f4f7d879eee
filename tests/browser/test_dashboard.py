"""A merchant signs in to the dashboard in Chromium, creates a payment link, a shopper pays
it in a second browser context, and the merchant sees it complete in the list and detail.
Every dashboard page is screenshotted to tests/browser/screenshots/dashboard_*.png."""

import re
from pathlib import Path

import pytest

from tests import live

from .conftest import screenshot

pytestmark = pytest.mark.browser


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name=name).click()


def test_merchant_creates_a_link_and_sees_it_paid(page, browser, live_server):
    merchant = live.register(live_server, organization="Harbour Books & Café")
    shopper = live.register(live_server, organization="Shopper", pin="246813")

    page.goto(f"{live_server}/dashboard/transactions")
    assert page.url.startswith(f"{live_server}/dashboard/login")
    screenshot(page, "dashboard_login")
    page.get_by_label("Email").fill(merchant["email"])
    page.get_by_label("Password").fill("correct horse 1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/transactions")  # back where we were going

    nav(page, "Overview")
    assert page.get_by_role("link", name="Harbour Books & Café").is_visible()
    assert page.locator("#volume-today").inner_text() == "0.00 USD"
    screenshot(page, "dashboard_overview_empty")

    page.get_by_role("link", name="New payment").first.click()
    screenshot(page, "dashboard_session_new")
    page.get_by_label("Amount").fill("7.25")
    page.get_by_label("Description (shown to the payer)").fill("Paperback: The Sea <Vol. 2>")
    page.get_by_role("button", name="Create checkout link").click()
    page.wait_for_url(re.compile(r".*/dashboard/sessions/cs_[0-9a-f]+\?created=1$"))
    link = page.locator("#checkout-link").input_value()
    session_id = link.rsplit("/", 1)[1]
    assert link == f"{live_server}/checkout/{session_id}"
    assert page.get_by_text("Paperback: The Sea <Vol. 2>").is_visible()
    page.get_by_role("button", name="Copy link").click()
    page.locator("#checkout-link-status").filter(has_text=re.compile(r"\S")).wait_for()
    screenshot(page, "dashboard_session_created")

    # The shopper pays in a separate browser context: no shared cookies.
    shopper_context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        checkout = shopper_context.new_page()
        checkout.goto(link)
        assert checkout.get_by_role("heading", name="Harbour Books & Café").is_visible()
        checkout.get_by_label("Wallet code").fill(shopper["walletCode"])
        checkout.get_by_label("PIN").fill("246813")
        checkout.get_by_role("button", name="Pay").click()
        checkout.get_by_text("Payment complete").wait_for()
        # The shopper's browser never got into the dashboard.
        checkout.goto(f"{live_server}/dashboard/")
        assert checkout.url.startswith(f"{live_server}/dashboard/login")
    finally:
        shopper_context.close()

    nav(page, "Payments")
    page.get_by_label("Status").select_option("complete")
    page.get_by_role("button", name="Filter").click()
    row = page.locator(f'tr[data-session-id="{session_id}"]')
    assert "Complete" in row.inner_text() and "7.25 USD" in row.inner_text()
    screenshot(page, "dashboard_sessions")

    row.get_by_role("link").click()
    assert page.locator("#session-status").inner_text() == "Complete"
    payer = page.locator("#payer-wallet").inner_text()
    assert payer == shopper["walletCode"][:5] + "••••" + shopper["walletCode"][-4:]
    assert page.get_by_text("Platform fees").is_visible()
    screenshot(page, "dashboard_session_detail")

    nav(page, "Overview")
    assert page.locator("#volume-today").inner_text() == "7.25 USD"
    screenshot(page, "dashboard_overview")

    nav(page, "Transactions")
    assert "Paperback" in page.locator("#transactions-table").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8")
    assert session_id in exported and "7.25" in exported
    screenshot(page, "dashboard_transactions")

    nav(page, "Wallets")
    page.get_by_label("Wallet name").fill("Pop-up stall")
    page.get_by_role("button", name="Create wallet").click()
    assert re.fullmatch(r"[0-9]{6}", page.locator("#new-wallet-pin").inner_text())
    screenshot(page, "dashboard_wallets")
    page.get_by_role("link", name="Default wallet").click()
    assert page.locator("#wallet-balance").inner_text() == "1,007.25 USD"
    screenshot(page, "dashboard_wallet_statement")
    page.get_by_role("link", name="Reset PIN").click()
    page.get_by_label("Your account password").fill("correct horse 1")
    page.get_by_role("button", name="Reset PIN").click()
    assert re.fullmatch(r"[0-9]{6}", page.locator("#new-pin").inner_text())
    screenshot(page, "dashboard_reset_pin")

    nav(page, "API keys")
    page.get_by_label("Label").fill("Web shop")
    page.get_by_role("button", name="Create key").click()
    secret = page.locator("#new-key").input_value()
    assert secret.startswith("sk_")
    screenshot(page, "dashboard_keys")
    with_key = {"Authorization": f"Bearer {secret}"}
    assert live.api(live_server, "GET", "/api/v1/wallets", headers=with_key).status_code == 200
    page.get_by_role("button", name=re.compile(r"^Revoke Web shop")).click()
    assert page.get_by_text("No active keys.").is_visible()
    assert live.api(live_server, "GET", "/api/v1/wallets", headers=with_key).status_code == 401

    nav(page, "Profile")
    screenshot(page, "dashboard_profile")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server}/dashboard/login")
    assert page.get_by_text("You are signed out.").is_visible()
    page.goto(f"{live_server}/dashboard/")
    assert page.url.startswith(f"{live_server}/dashboard/login")
