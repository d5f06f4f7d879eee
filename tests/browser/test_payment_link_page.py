"""A payment link's landing page in Chromium: with JavaScript off the shopper sees who is
paid and how much, presses Continue and lands on the checkout page; zero axe-core
violations, no horizontal scroll and 44px targets at phone and desktop size in every
language."""

from decimal import Decimal

import pytest

from tests import live

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def link(live_server):
    merchant = live.register(live_server, organization="Harbour Books & Café")
    created = live.api(
        live_server,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("18.40"),
            "description": "Gift card for a friend",
        },
        merchant["headers"],
    )
    assert created.status_code == 201, created.text
    return {"url": created.json()["url"], "merchant": merchant, "base": live_server}


def session_count(link) -> int:
    listed = live.api(
        link["base"],
        "GET",
        "/api/v1/txn/payment-sessions?limit=100",
        headers=link["merchant"]["headers"],
    )
    return len(listed.json()["data"])


def test_continue_without_javascript_opens_the_checkout_page(new_context, link):
    page = new_context(java_script_enabled=False)
    before = session_count(link)
    response = page.goto(link["url"])
    assert response.status == 200
    summary = page.locator(".summary").inner_text()
    for shown in ("Harbour Books & Café", "Gift card for a friend", "$18.40", "$0.04", "$18.44"):
        assert shown in summary
    page.reload()
    assert session_count(link) == before  # looking is free

    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue to payment").click()
    assert posted.value.status == 303
    page.wait_for_url(f"{link['base']}/checkout/cs_*")
    assert page.get_by_role("heading", name="Harbour Books & Café").is_visible()
    assert page.locator("#wallet_code").is_visible()
    assert session_count(link) == before + 1
    screenshot(page, "link_continued_en_desktop")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_landing_page_is_accessible_and_fits(new_context, link, viewport, lang):
    page = new_context(viewport=viewport)
    response = page.goto(f"{link['url']}?lang={lang}")
    assert response.status == 200
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"link_landing_{lang}_{'phone' if viewport is PHONE else 'desktop'}")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_lost_cookie_says_so_and_stays_accessible(new_context, link, viewport):
    # JavaScript on: axe-core waits on timers, which do not run in a page without it.
    page = new_context(viewport=viewport)
    page.goto(link["url"])
    page.context.clear_cookies()  # the CSRF secret lives in the session cookie
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_load_state()
    assert posted.value.status == 400
    assert "Nothing was charged" in page.get_by_role("alert").inner_text()
    assert page.title().startswith("Error:")
    assert axe_violations(page) + layout_problems(page) == []
    screenshot(page, f"link_form_expired_en_{'phone' if viewport is PHONE else 'desktop'}")
