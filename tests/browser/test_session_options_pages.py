"""Issue 13 pages in Chromium: a payment link where the shopper types the amount (with and
without JavaScript, a refused amount re-rendered with its message), and a checkout page
listing line items. axe-core clean (JavaScript on: axe waits on timers), no horizontal
scroll and 44px targets at phone and desktop size; screenshots in tests/browser/screenshots."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser


def size(viewport) -> str:
    return "phone" if viewport is PHONE else "desktop"


@pytest.fixture(scope="module")
def tip_link(live_server):
    merchant = live.register(live_server, organization="Harbour Books & Café")
    created = live.api(
        live_server,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": merchant["walletCode"],
            "description": "Tip for the band",
            "customAmount": {
                "minimum": Decimal("1.00"),
                "maximum": Decimal("200.00"),
                "preset": Decimal("5.00"),
            },
        },
        merchant["headers"],
    )
    assert created.status_code == 201, created.text
    return {"url": created.json()["url"], "merchant": merchant, "base": live_server}


@pytest.fixture(scope="module")
def itemised(live_server):
    merchant = live.register(live_server, organization="Harbour Books & Café")
    session = live.create_session(
        live_server,
        merchant,
        None,
        description="Order 1042",
        customerEmail="ada.lovelace@example.com",
        expiresAt=(datetime.now(UTC) + timedelta(hours=3)).isoformat(),
        lineItems=[
            {
                "description": "The Annotated Alice (hardback, illustrated edition)",
                "quantity": 1,
                "unitAmount": Decimal("34.99"),
            },
            {"description": "Flat white <oat>", "quantity": 2, "unitAmount": Decimal("3.40")},
            {"description": "Gift wrap", "quantity": 12, "unitAmount": Decimal("0.50")},
        ],
    )
    return {"url": session["checkoutUrl"], "base": live_server}


def test_the_shopper_types_an_amount_without_javascript(new_context, tip_link):
    page = new_context(java_script_enabled=False)
    assert page.goto(tip_link["url"]).status == 200
    field = page.get_by_label("Amount to pay (USD)")
    assert field.input_value() == "5.00"
    field.fill("0.50")  # below the minimum
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue to payment").click()
    assert posted.value.status == 400
    assert "Enter an amount from $1.00 to $200.00." in page.locator("#amount-error").inner_text()
    assert page.get_by_label("Amount to pay (USD)").get_attribute("aria-invalid") == "true"

    page.get_by_label("Amount to pay (USD)").fill("12.50")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue to payment").click()
    assert posted.value.status == 303
    page.wait_for_url(f"{tip_link['base']}/checkout/cs_*")
    assert "$12.50" in page.locator(".summary").inner_text()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_custom_amount_page_is_accessible_and_fits(new_context, tip_link, viewport, lang):
    page = new_context(viewport=viewport)
    assert page.goto(f"{tip_link['url']}?lang={lang}").status == 200
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"custom_amount_{lang}_{size(viewport)}")
    page.locator("#amount").fill("abc")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("button.pay-button").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    assert page.locator("#amount").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("alert").is_visible()
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"custom_amount_refused_{lang}_{size(viewport)}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_checkout_page_lists_the_line_items(new_context, itemised, viewport, lang):
    page = new_context(viewport=viewport)
    assert page.goto(f"{itemised['url']}?lang={lang}").status == 200
    table = page.locator("table.line-items")
    assert table.locator("tbody tr").count() == 3
    assert "Flat white <oat>" in table.inner_text()
    assert "ada.lovelace@example.com" in page.locator(".summary").inner_text()
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"line_items_{lang}_{size(viewport)}")
