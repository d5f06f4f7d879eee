"""The dashboard's wallets, keys, profile, payment links, webhooks, withdrawals and invoices
pages in Arabic (right to left) and French, in Chromium at 360 px and 1280 px: a merchant
picks the language in the switcher, and every page stays axe-clean with nothing cut off
(French strings are the longest, Arabic mirrors the layout). A refused withdrawal comes
back with its field message in Arabic. Screenshots: tests/browser/screenshots/languages_b_*.png
(or in SHOTS_DIR)."""

import re
from decimal import Decimal

import pytest

from tests import live
from tests.webhook_support import Receiver, start_worker

from .conftest import DESKTOP, PHONE
from .language_pages import check_translated_page
from .test_dashboard_pages import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def store_env(store_env):
    # The webhook receiver listens on 127.0.0.1, which production refuses.
    return {**store_env, "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}


def check(page, name: str) -> None:
    check_translated_page(page, f"languages_b_{name}", "main .panel")


def seed(base: str, receiver: Receiver) -> dict:
    """A merchant with a paid payment, a second wallet, a payment link, an API key and a
    webhook endpoint with a long URL."""
    merchant = live.register(base, organization="Librairie du Port & Café", pin="135790")
    shopper = live.register(base, organization="Shopper", pin="246813")
    paid = live.create_session(base, merchant, Decimal("234.50"), description="Poèmes du port")
    live.pay(base, paid, shopper, "246813")
    for path, payload in (
        (
            "/api/v1/payment-links",
            {
                "walletCode": merchant["walletCode"],
                "amount": Decimal("1234.50"),
                "description": "Abonnement annuel aux nouveautés",
                "maxPayments": 100,
            },
        ),
        ("/api/v1/wallets", {"name": "Bar de l’événement"}),
        ("/api/v1/keys", {"label": "Serveur de production"}),
        (
            "/api/v1/webhooks",
            {"url": receiver.url + "/webhooks/checkout/orders", "events": ["*"]},
        ),
    ):
        made = live.api(base, "POST", path, payload, merchant["headers"])
        assert made.status_code == 201, (path, made.text)
    return merchant


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_part_b_pages_in_arabic_and_french(new_context, live_server, store_env, viewport):
    size = "phone" if viewport is PHONE else "desktop"
    receiver, worker = Receiver(), start_worker(store_env)
    try:
        merchant = seed(live_server, receiver)
        page = new_context(viewport=viewport)
        page.goto(f"{live_server}/dashboard/login")
        page.get_by_label("Email").fill(merchant["email"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server}/dashboard/")

        # The switcher, then pages reached without ?lang=: the cookie keeps Arabic.
        page.goto(f"{live_server}/dashboard/wallets")
        page.locator('nav.languages a[hreflang="ar"]').click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert page.get_by_role("heading", name="المحافظ", exact=True).is_visible()

        # A refused withdrawal: the form again, its field message in Arabic.
        page.goto(f"{live_server}/dashboard/withdrawals")
        page.get_by_label("المبلغ").fill("50")
        page.get_by_label("رمز PIN للمحفظة").fill("135790")
        page.get_by_label("أو كلمة مرور حسابك").fill(PASSWORD)
        page.get_by_role("button", name="سحب", exact=True).click()
        assert page.get_by_text("أدخل رمز PIN للمحفظة أو كلمة مرور حسابك (أحدهما).").is_visible()
        check(page, f"ar_withdrawals_error_{size}")
        page.get_by_label("المبلغ").fill("50")
        page.get_by_label("رمز PIN للمحفظة").fill("135790")
        page.get_by_role("button", name="سحب", exact=True).click()
        page.get_by_text("يبقى قيد الانتظار حتى صرفه.").wait_for()
        check(page, f"ar_withdrawals_{size}")

        # An invoice through the Arabic form.
        page.goto(f"{live_server}/dashboard/invoices/new")
        page.get_by_label("البريد الإلكتروني للعميل").fill("a.really.long.customer@example.co.uk")
        page.fill('[name="lines-0-description"]', "Emplacement de marché")
        page.fill('[name="lines-0-quantity"]', "4")
        page.fill('[name="lines-0-unit_amount"]', "12.50")
        check(page, f"ar_invoice_new_{size}")
        page.get_by_role("button", name="إنشاء واعتماد").click()
        page.wait_for_url(re.compile(r".*/dashboard/invoices/inv_[a-z0-9]+$"))
        invoice_url = page.url

        # A test ping to the endpoint, delivered by the worker: the attempts table.
        page.goto(f"{live_server}/dashboard/webhooks")
        page.locator("#endpoints-table a").first.click()
        page.get_by_role("button", name="إرسال حدث تجريبي").click()
        for _ in range(240):  # the worker sends it; reload until it shows (a deadline)
            if page.locator(".badge-delivery-succeeded").count():
                break
            page.wait_for_timeout(500)
            page.reload()
        assert "HTTP 200" in page.locator("#deliveries").inner_text()
        endpoint_url = page.url

        wallet = merchant["walletCode"]
        pages = {
            "wallets": "/dashboard/wallets",
            "wallet_statement": f"/dashboard/wallets/{wallet}",
            "reset_pin": f"/dashboard/wallets/{wallet}/reset-pin",
            "keys": "/dashboard/keys",
            "profile": "/dashboard/profile",
            "links": "/dashboard/links",
            "webhooks": "/dashboard/webhooks",
            "webhook_detail": endpoint_url,
            "withdrawals": "/dashboard/withdrawals",
            "invoices": "/dashboard/invoices",
            "invoice_detail": invoice_url,
        }
        for language in ("ar", "fr"):
            page.goto(f"{live_server}/dashboard/wallets?lang={language}")
            for name, url in pages.items():
                page.goto(url if url.startswith("http") else live_server + url)
                assert page.locator("html").get_attribute("lang") == language, name
                check(page, f"{language}_{name}_{size}")
    finally:
        worker.stop()
        receiver.close()
