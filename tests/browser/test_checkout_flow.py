"""A shopper opens a checkout URL in Chromium, pays with wallet code and PIN, and lands on
the merchant's success URL."""

from decimal import Decimal

import pytest

from tests import live

from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_shopper_pays_and_returns_to_merchant(page, live_server, merchant_site):
    merchant = live.register(live_server, organization="Acme Coffee")
    shopper = live.register(live_server, organization="Shopper", pin="424242")
    session = live.create_session(
        live_server,
        merchant,
        Decimal("12.50"),
        description="2 flat whites",
        successUrl=merchant_site + "/thanks?session={CHECKOUT_SESSION_ID}",
    )

    page.goto(session["checkoutUrl"])
    assert page.get_by_role("heading", name="Acme Coffee").is_visible()
    assert "12.53" in page.get_by_role("button").inner_text()
    screenshot(page, "checkout_open")

    page.get_by_label("Wallet code").fill(shopper["walletCode"])
    page.get_by_label("PIN").fill("424242")
    page.get_by_role("button", name="Pay").click()
    page.wait_for_url(merchant_site + "/thanks**")

    assert page.url == f"{merchant_site}/thanks?session={session['transactionTraceId']}"
    paid = live.api(
        live_server,
        "GET",
        f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
        headers=merchant["headers"],
    ).json()
    assert paid["status"] == "complete"

    page.goto(session["checkoutUrl"])
    assert page.get_by_text("Payment complete").is_visible()
    screenshot(page, "checkout_complete")
