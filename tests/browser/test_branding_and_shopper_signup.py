"""A merchant's branding on the shopper's pages, and "Don't have a wallet?", in Chromium: at
phone and desktop size, in English and Arabic, with zero axe-core violations and nothing cut
off. The logo loads under the page's CSP (served from our origin), the brand colour is the
Pay button's, and a shopper who opens a wallet comes back to the same checkout and pays."""

import secrets
from decimal import Decimal

import httpx
import pytest

from tests import images, live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot
from .test_dashboard_pages import CUT_OFF

pytestmark = pytest.mark.browser

BRAND = "#5b2a86"
BRAND_RGB = "rgb(91, 42, 134)"
PIN = "482916"


@pytest.fixture(scope="module")
def brand(live_server):
    merchant = live.register(live_server, organization="Harbour Hall Trading Ltd")
    saved = live.api(
        live_server,
        "PUT",
        "/api/v1/org/profile",
        {
            "displayName": "Harbour Hall",
            "supportEmail": "help@harbourhall.test",
            "supportUrl": "https://harbourhall.test/help",
            "brandColor": BRAND,
        },
        merchant["headers"],
    )
    assert saved.status_code == 200, saved.text
    logo = httpx.put(
        f"{live_server}/api/v1/org/logo",
        content=images.png((320, 120), colour=(91, 42, 134, 255)),
        headers={**merchant["headers"], "Content-Type": "image/png"},
        timeout=30,
    )
    assert logo.status_code == 200, logo.text
    return {"base": live_server, "merchant": merchant}


def sizes():
    return pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])


@sizes()
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_branded_checkout_page(new_context, brand, viewport, lang):
    page = new_context(viewport=viewport)
    size = "phone" if viewport is PHONE else "desktop"
    session = live.create_session(
        brand["base"], brand["merchant"], Decimal("18.00"), description="Harbour tour, 2 adults"
    )
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else 0)
    assert page.goto(f"{session['checkoutUrl']}?lang={lang}").status == 200

    assert page.locator("#merchant-name").inner_text() == "Harbour Hall"
    logo = page.locator(".brand-logo img")
    assert logo.evaluate("img => img.complete && img.naturalWidth") == 256  # loaded, re-encoded
    assert (
        page.locator("button.pay-button").evaluate("b => getComputedStyle(b).backgroundColor")
        == BRAND_RGB
    )
    support = page.locator("#merchant-support a[href^='https:']")
    assert support.get_attribute("rel") == "noopener noreferrer"
    assert page.locator("#merchant-support a[href^='mailto:']").inner_text() == (
        "help@harbourhall.test"
    )
    assert blocked == []  # nothing refused by the CSP
    problems = axe_violations(page) + layout_problems(page)
    screenshot(page, f"branded_checkout_{lang}_{size}")
    assert problems == []


@sizes()
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_shopper_opens_a_wallet_from_the_checkout_and_pays(new_context, brand, viewport, lang):
    page = new_context(viewport=viewport)
    size = "phone" if viewport is PHONE else "desktop"
    session = live.create_session(brand["base"], brand["merchant"], Decimal("9.50"))
    page.goto(f"{session['checkoutUrl']}?lang={lang}")
    page.locator(".no-wallet a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/checkout/{session['transactionTraceId']}/wallet?lang={lang}")
    problems = {"form": axe_violations(page) + layout_problems(page)}
    screenshot(page, f"wallet_signup_{lang}_{size}")

    page.locator("#name").fill("Sam Shopper")
    email = f"sam-{secrets.token_hex(4)}@example.com"
    page.locator("#email").fill(email)
    page.locator("#password").fill("a long password")
    page.locator("#pin").fill("12345")  # one digit short: refused with a field message
    page.locator("button.pay-button").click()
    page.wait_for_load_state()
    assert page.locator("#pin").get_attribute("aria-invalid") == "true"
    problems["refused"] = axe_violations(page) + layout_problems(page)
    screenshot(page, f"wallet_signup_refused_{lang}_{size}")

    page.locator("#password").fill("a long password")
    page.locator("#pin").fill(PIN)
    page.locator("button.pay-button").click()
    page.wait_for_load_state()
    assert page.url == f"{session['checkoutUrl']}?lang={lang}"  # the same checkout page
    code = page.locator("#new-wallet strong").inner_text()
    assert code.startswith("wllt-") and page.locator("#wallet_code").input_value() == code
    assert page.locator("#new-wallet strong").evaluate("e => getComputedStyle(e).direction") == (
        "ltr"
    )
    problems["back"] = axe_violations(page) + layout_problems(page)
    screenshot(page, f"wallet_signup_back_{lang}_{size}")

    page.locator("#pin").fill(PIN)
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.locator("button.pay-button").click()
    page.wait_for_load_state()
    assert response.value.status == 303
    assert page.locator(".status-complete").is_visible()
    problems["receipt"] = axe_violations(page) + layout_problems(page)
    screenshot(page, f"wallet_signup_paid_{lang}_{size}")

    # The new personal account in the dashboard: its profile, where it changes its password.
    page.goto(f"{brand['base']}/dashboard/login?lang={lang}")
    page.locator("#email").fill(email)
    page.locator("#password").fill("a long password")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{brand['base']}/dashboard/profile")
    assert page.locator("#current_password").is_visible()
    assert page.locator("#organization").count() == 0  # no merchant profile
    # The dashboard's own check (test_dashboard_pages): axe, and no text cut off.
    problems["profile"] = axe_violations(page) + page.evaluate(CUT_OFF)
    screenshot(page, f"personal_profile_{lang}_{size}")
    assert {name: found for name, found in problems.items() if found} == {}
