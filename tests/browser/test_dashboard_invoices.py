"""The dashboard's Invoices pages in Chromium with JavaScript off: a merchant adds a line,
creates and finalizes an invoice, and sees it in the list; zero axe-core violations at
phone and desktop size."""

import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, screenshot

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_create_an_invoice_without_javascript(new_context, live_server, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    merchant = live.register(live_server, organization="Pitch Rentals")
    page = new_context(viewport=viewport, java_script_enabled=False)
    page.goto(f"{live_server}/dashboard/invoices/new")
    page.get_by_label("Email").fill(merchant["email"])
    page.get_by_label("Password").fill("correct horse 1")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/invoices/new")

    page.get_by_label("Customer email").fill("stall@example.com")
    page.get_by_label("Customer name (optional)").fill("Ana Stallholder")
    for row in range(3):
        page.fill(f'[name="lines-{row}-description"]', f"Pitch, week {row + 1}")
        page.fill(f'[name="lines-{row}-quantity"]', "1")
        page.fill(f'[name="lines-{row}-unit_amount"]', "12.50")
    page.get_by_role("button", name="Add a line").click()
    page.fill('[name="lines-3-description"]', "Power hook-up")
    page.fill('[name="lines-3-quantity"]', "2")
    page.fill('[name="lines-3-unit_amount"]', "3.05")
    assert page.input_value('[name="lines-0-description"]') == "Pitch, week 1"  # kept
    # JavaScript is off, so axe runs in a second page; the form is checked by its labels here.
    screenshot(page, f"dashboard_invoice_new_{size}")
    page.get_by_role("button", name="Create and finalize").click()
    page.wait_for_url(f"{live_server}/dashboard/invoices/inv_*")
    assert page.get_by_role("heading", name="Invoice INV-000001").is_visible()
    assert "43.60 USD" in page.inner_text("main")  # 3 x 12.50 + 2 x 3.05
    screenshot(page, f"dashboard_invoice_detail_{size}")
    detail_url = page.url

    checked = new_context(viewport=viewport)  # JavaScript on: axe-core needs it
    checked.goto(f"{live_server}/dashboard/login")
    checked.get_by_label("Email").fill(merchant["email"])
    checked.get_by_label("Password").fill("correct horse 1")
    checked.get_by_role("button", name="Sign in").click()
    checked.wait_for_url(f"{live_server}/dashboard/")
    for url in (
        f"{live_server}/dashboard/invoices",
        f"{live_server}/dashboard/invoices/new",
        detail_url,
    ):
        checked.goto(url)
        assert axe_violations(checked) == [], url
    checked.goto(f"{live_server}/dashboard/invoices")
    assert "INV-000001" in checked.inner_text("#invoices-table")
    screenshot(checked, f"dashboard_invoice_list_{size}")
