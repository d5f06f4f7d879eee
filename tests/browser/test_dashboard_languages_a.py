"""The dashboard's sign-in, sign-up, password and email-link pages, the landing page, the
overview, payments (list, detail with its refund form, new payment) and transactions in
Arabic (right to left) and French, in Chromium at 360 px and 1280 px: every page stays
axe-clean with nothing cut off (French strings are the longest, Arabic mirrors the
layout). Forms refused come back with their field messages in the page's language.
Screenshots: tests/browser/screenshots/languages_a_*.png (or in SHOTS_DIR)."""

from decimal import Decimal

import pytest

from tests import live

from .conftest import DESKTOP, PHONE
from .language_pages import check_translated_page
from .test_dashboard_pages import PASSWORD

pytestmark = pytest.mark.browser


def check(page, name: str) -> None:
    check_translated_page(page, f"languages_a_{name}", "main")


def seed(base: str) -> tuple[dict, str]:
    """A merchant with a paid payment (partly refunded, with line items) and an open one."""
    merchant = live.register(base, organization="Librairie du Port & Café", pin="135790")
    shopper = live.register(base, organization="Shopper", pin="246813")
    paid = live.create_session(
        base,
        merchant,
        Decimal("234.50"),
        description="Poèmes du port, édition reliée",
        clientReferenceId="CMD-2026-00042",
        customerEmail="a.really.long.customer@example.co.uk",
    )
    live.pay(base, paid, shopper, "246813")
    refund = live.api(
        base,
        "POST",
        f"/api/v1/txn/refund/{paid['transactionTraceId']}",
        {"amount": Decimal("4.50"), "reason": "Couverture abîmée"},
        merchant["headers"],
    )
    assert refund.status_code in (200, 201), refund.text
    live.create_session(base, merchant, Decimal("12.00"), description="2 cafés crème")
    return merchant, paid["transactionTraceId"]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_part_a_pages_in_arabic_and_french(new_context, live_server, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    merchant, paid = seed(live_server)
    page = new_context(viewport=viewport)

    for language in ("ar", "fr"):
        # Signed out: the landing page, then the dashboard's own pages (the cookie keeps
        # the language chosen on the sign-in page).
        page.goto(f"{live_server}/?lang={language}")
        check(page, f"{language}_home_{size}")
        page.goto(f"{live_server}/dashboard/login?lang={language}")
        assert page.locator("html").get_attribute("lang") == language
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator(".field-error").count() == 2  # email and password, translated
        check(page, f"{language}_login_error_{size}")
        page.goto(f"{live_server}/dashboard/signup")
        page.locator("#password").fill("short")
        page.locator("#pin").fill("12")
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator(".field-error").count() >= 4
        check(page, f"{language}_signup_error_{size}")
        for name, url in (
            ("forgot", "/dashboard/forgot-password"),
            ("reset", "/dashboard/reset-password?token=not-a-token"),
            ("verify", "/dashboard/verify-email?token=not-a-token"),
        ):
            page.goto(live_server + url)
            assert page.locator("html").get_attribute("lang") == language, name
            check(page, f"{language}_{name}_{size}")
        page.goto(f"{live_server}/dashboard/verify-email?token=not-a-token")
        page.locator('button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator(".alert").is_visible()
        check(page, f"{language}_verify_refused_{size}")

        page.goto(f"{live_server}/dashboard/login")
        page.locator("#email").fill(merchant["email"])
        page.locator("#password").fill(PASSWORD)
        page.locator('button[type="submit"]').click()
        page.wait_for_url(f"{live_server}/dashboard/")
        assert page.locator("html").get_attribute("lang") == language
        # The longer Sign out and Menu buttons must not squeeze the organization's name
        # into a column of letters on a phone: it gets a line of its own instead.
        brand = page.locator(".dash-brand").bounding_box()
        assert brand["height"] < 60 and brand["width"] > 150, brand
        check(page, f"{language}_overview_{size}")
        page.locator("details.chart-table summary").click()
        check(page, f"{language}_overview_table_{size}")

        for name, url in (
            ("sessions", "/dashboard/sessions"),
            ("session_new", "/dashboard/sessions/new"),
            ("transactions", "/dashboard/transactions"),
            ("transactions_refused", "/dashboard/transactions?start=2026-11-20&end=2026-11-01"),
        ):
            page.goto(live_server + url)
            assert page.locator("html").get_attribute("lang") == language, name
            check(page, f"{language}_{name}_{size}")

        # The paid payment's page, its refund form refused with a translated field error.
        page.goto(f"{live_server}/dashboard/sessions/{paid}")
        check(page, f"{language}_session_detail_{size}")
        page.locator("#amount").fill("abc")
        page.locator('form[action$="/refund"] button[type="submit"]').click()
        page.wait_for_load_state()
        assert page.locator("#amount-error").is_visible()
        check(page, f"{language}_session_refund_error_{size}")

        # The open payment, with its checkout link.
        page.goto(f"{live_server}/dashboard/sessions?status=open")
        page.locator("#sessions-table tbody a").first.click()
        page.wait_for_load_state()
        check(page, f"{language}_session_open_{size}")

        page.locator("form.dash-signout button").click()
        page.wait_for_load_state()
