"""The hosted invoice in Chromium: with JavaScript off the customer presses Pay, pays on
the checkout page with wallet code and PIN, lands back on the invoice, now paid, with its
receipt PDF; zero axe-core violations and no horizontal scroll at phone and desktop size
in every language."""

from decimal import Decimal

import httpx
import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser
PIN = "246810"


def new_invoice(base: str, merchant: dict) -> dict:
    created = live.api(
        base,
        "POST",
        "/api/v1/invoices",
        {
            "walletCode": merchant["walletCode"],
            "customerEmail": "parent@example.com",
            "customerName": "Sam Parent",
            "dueDate": "2030-01-31",
            "memo": "Thank you for paying by the end of the month.",
            "lineItems": [
                {"description": "Autumn term fees", "quantity": 1, "unitAmount": Decimal("120")},
                {"description": "Lab materials", "quantity": 3, "unitAmount": Decimal("4.35")},
            ],
        },
        merchant["headers"],
    )
    assert created.status_code == 201, created.text
    final = live.api(
        base, "POST", f"/api/v1/invoices/{created.json()['id']}/finalize", None, merchant["headers"]
    )
    assert final.status_code == 200, final.text
    return final.json()


@pytest.fixture(scope="module")
def merchant(live_server):
    return live.register(live_server, organization="Hillside School")


def test_paying_an_invoice_without_javascript(new_context, live_server, merchant):
    shopper = live.register(live_server, organization="A Parent", pin=PIN)
    invoice = new_invoice(live_server, merchant)
    page = new_context(java_script_enabled=False)
    assert page.goto(invoice["hostedUrl"]).status == 200
    text = page.locator(".invoice").inner_text()
    for shown in ("Hillside School", invoice["number"], "Lab materials", "$133.05", "$133.32"):
        assert shown in text
    screenshot(page, "invoice_open_en_desktop")

    page.get_by_role("button", name="Pay $133.32").click()
    page.wait_for_url(f"{live_server}/checkout/cs_*")
    assert f"Invoice {invoice['number']}" in page.locator(".summary").inner_text()
    page.fill("#wallet_code", shopper["walletCode"])
    page.fill("#pin", PIN)
    page.get_by_role("button", name="Pay $133.32").click()
    page.wait_for_url(invoice["hostedUrl"])
    assert page.locator("#invoice-status").inner_text().strip() == "Paid"
    assert page.get_by_text("This invoice is paid. Thank you.").is_visible()
    assert page.get_by_role("button", name="Pay $133.32").count() == 0
    screenshot(page, "invoice_paid_en_desktop")
    receipt = page.get_by_role("link", name="Download the receipt (PDF)").get_attribute("href")
    pdf = httpx.get(f"{live_server}{receipt}", timeout=30)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    read = live.api(
        live_server, "GET", f"/api/v1/invoices/{invoice['id']}", headers=merchant["headers"]
    )
    assert read.json()["status"] == "paid"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_invoice_page_is_accessible_and_fits(new_context, live_server, merchant, viewport, lang):
    invoice = new_invoice(live_server, merchant)
    page = new_context(viewport=viewport)
    assert page.goto(f"{invoice['hostedUrl']}?lang={lang}").status == 200
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"invoice_{lang}_{'phone' if viewport is PHONE else 'desktop'}")
