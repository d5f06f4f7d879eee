"""Two admins run the gateway in Chromium: each signs in for the first time with the setup
password the CLI printed and enrols TOTP; one tops up a merchant above the approval
threshold, the other approves it, then settles the merchant's payout. Every console page
passes axe-core at 360 and 1280 px; screenshots go to tests/browser/screenshots/admin_*.png."""

import re
import subprocess
import sys
from decimal import Decimal

import pyotp
import pytest

from tests import live
from tests.servers import ROOT

from .conftest import DESKTOP, PHONE, axe_violations, screenshot

pytestmark = pytest.mark.browser
# The console lists and searches every merchant and reconciles the whole platform: other
# modules' merchants (several named "Harbour Books & Café") must not be in its database.
OWN_DATABASE = True
NEW_PASSWORD = "operator password 12"


def create_operator(store_env, role: str) -> tuple[str, str]:
    email = f"op-{role}-{pyotp.random_base32()[:6].lower()}@example.com"
    done = subprocess.run(
        [sys.executable, "-m", "checkout", "operators", "create", email, "--role", role],
        cwd=ROOT,
        env={**__import__("os").environ, **store_env},
        capture_output=True,
        text=True,
        check=True,
    )
    return email, re.search(r"one-time setup password: (\S+)", done.stdout).group(1)


def check_page(page, name: str) -> None:
    """axe-clean at desktop and phone width, a screenshot of each."""
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        assert axe_violations(page) == [], (name, label)
        screenshot(page, f"admin_{name}_{label}")
    page.set_viewport_size(DESKTOP)


def first_sign_in(page, base: str, email: str, setup_password: str, check: bool) -> str:
    page.goto(f"{base}/admin/topups")
    assert page.url == f"{base}/admin/login"
    if check:
        check_page(page, "login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(setup_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/setup")
    assert page.locator(".qr svg").is_visible()
    if check:
        check_page(page, "setup")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on and continue").click()
    page.wait_for_url(f"{base}/admin/")
    return secret


def nav(page, name: str) -> None:
    page.get_by_role("navigation", name="Console").get_by_role("link", name=name).click()


def test_two_admins_top_up_approve_and_settle_a_payout(browser, live_server, store_env):
    base = live_server
    merchant = live.register(base, organization="Harbour Books & Café", pin="246813")
    first_email, first_setup = create_operator(store_env, "admin")
    second_email, second_setup = create_operator(store_env, "admin")

    one = browser.new_context(viewport=DESKTOP).new_page()
    first_sign_in(one, base, first_email, first_setup, check=True)
    assert one.get_by_text("Two-factor sign-in is on.").is_visible()
    check_page(one, "overview")

    nav(one, "Top-ups")
    one.get_by_label("Wallet code").fill(merchant["walletCode"])
    one.get_by_label("Amount").fill("2500.00")
    one.get_by_label("Reference (e.g. the bank transfer id)").fill("BANK-2026-0001")
    one.get_by_label("Reason").fill("Festival float")
    one.get_by_role("button", name="Top up").click()
    one.get_by_text("Above the approval threshold: waiting for a second admin.").wait_for()
    assert one.get_by_text("Another admin decides").is_visible()
    check_page(one, "topups_pending")
    before = live.api(base, "GET", "/api/v1/wallets", headers=merchant["headers"]).json()
    assert before["data"][0]["balance"] == 1000  # nothing credited yet

    # The merchant asks for a payout to an IBAN meanwhile.
    withdrawal = live.api(
        base,
        "POST",
        "/api/v1/txn/withdraw",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("150.00"),
            "pin": "246813",
            "destination": {"iban": "DE89 3704 0044 0532 0130 00", "holderName": "Harbour Books"},
        },
        merchant["headers"],
    )
    assert withdrawal.status_code == 201, withdrawal.text
    withdrawal_id = withdrawal.json()["id"]

    two_context = browser.new_context(viewport=DESKTOP)
    two = two_context.new_page()
    first_sign_in(two, base, second_email, second_setup, check=False)
    nav(two, "Top-ups")
    two.get_by_role("button", name="Approve top-up BANK-2026-0001").click()
    two.get_by_text("Top-up BANK-2026-0001 credited.").wait_for()
    check_page(two, "topups_approved")
    after = live.api(base, "GET", "/api/v1/wallets", headers=merchant["headers"]).json()
    assert after["data"][0]["balance"] == 1000 + 2500 - 150 - 2

    nav(two, "Payouts")
    row = two.locator("tr", has_text=withdrawal_id)
    assert "DE89 •••• 3000 · Harbour Books" in row.inner_text()
    assert "150.00 USD" in row.inner_text()
    check_page(two, "payouts")
    two.get_by_role("button", name=f"Mark paid: {withdrawal_id}").click()
    two.get_by_text(f"Withdrawal {withdrawal_id} marked paid.").wait_for()
    paid = live.api(
        base, "GET", f"/api/v1/txn/withdraw/{withdrawal_id}", headers=merchant["headers"]
    ).json()
    assert paid["status"] == "paid"

    nav(two, "Merchants")
    two.get_by_label("Email, organization or wallet code").fill("harbour books")
    two.get_by_role("button", name="Search").click()
    check_page(two, "merchants")
    two.get_by_role("link", name="Harbour Books & Café").first.click()
    assert "Active" in two.locator("#merchant-state").inner_text()
    check_page(two, "merchant")
    two.get_by_role("link", name=merchant["walletCode"]).click()
    check_page(two, "wallet")
    nav(two, "Revenue")
    check_page(two, "revenue")
    nav(two, "Overview")
    two.get_by_role("button", name="Run reconcile now").click()
    two.get_by_text("Reconcile OK.").wait_for()
    check_page(two, "overview_reconciled")
    nav(two, "Audit log")
    assert two.get_by_text("topup.approve").is_visible()
    assert two.get_by_text("payout.paid").is_visible()
    check_page(two, "audit")
    two_context.close()
    one.context.close()
