"""A large payment's one-time-code step in Chromium at phone and desktop size, in English
and Arabic: the PIN, "We sent a code to j•••@example.com", a wrong code, then the code
from the mail a real worker process sent to a real SMTP server. Axe-clean, no horizontal
scroll, 44px targets. And the whole step with JavaScript off."""

from decimal import Decimal

import pytest

from tests import live
from tests.mail_support import MailCatcher, start_mail_worker, text_part
from tests.otp_support import THRESHOLD, code_in, code_mails, wait_for_mail
from tests.servers import start_app

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser

PIN = "482915"
TEXTS = {
    "en": {"step": "Check your email", "sent": "We sent a code to", "done": "Payment complete"},
    "ar": {
        "step": "تحقّق من بريدك الإلكتروني",
        "sent": "أرسلنا رمزًا إلى",
        "done": "تم الدفع",
    },
}


@pytest.fixture(scope="module")
def otp_site(store_env):
    """The app with OTP_THRESHOLD on and a mail worker sending to a real SMTP server."""
    catcher = MailCatcher()
    env = {**store_env, "OTP_THRESHOLD": str(THRESHOLD)}
    server = start_app(env, workers=1)
    worker = start_mail_worker(env, catcher)
    yield f"http://127.0.0.1:{server.port}", catcher
    worker.stop()
    server.stop()
    catcher.stop()


def check_page(page, name: str) -> list[str]:
    screenshot(page, name)
    return axe_violations(page) + layout_problems(page)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_code_step_is_accessible_and_pays(new_context, otp_site, viewport, lang):
    base, catcher = otp_site
    size = "phone" if viewport is PHONE else "desktop"
    page = new_context(viewport=viewport)
    merchant = live.register(base, organization="Atelier Meubles")
    payer = live.register(base, organization="Payer", pin=PIN)
    session = live.create_session(base, merchant, Decimal("600.00"), description="Oak table")
    page.goto(session["checkoutUrl"] + f"?lang={lang}")

    page.locator("#wallet_code").fill(payer["walletCode"])
    page.locator("#pin").fill(PIN)
    page.locator("button.pay-button").click()
    page.wait_for_selector("#code")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.get_by_role("heading", name=TEXTS[lang]["step"]).is_visible()
    sent = page.locator("#code-sent").inner_text()
    assert TEXTS[lang]["sent"] in sent and payer["email"][0] + "•••@example.com" in sent
    assert page.locator("#pin").count() == 0
    problems = {"code": check_page(page, f"otp_code_{lang}_{size}")}

    mail = wait_for_mail(catcher, payer["email"], 1)
    assert mail["Content-Language"] == lang
    code = code_in(text_part(mail))

    page.locator("#code").fill(f"{(int(code) + 1) % 10**6:06d}")
    with page.expect_response(lambda r: r.request.method == "POST") as wrong:
        page.locator("button.pay-button").click()
    page.wait_for_load_state()
    assert wrong.value.status == 401
    assert page.get_by_role("alert").is_visible()
    problems["wrong"] = check_page(page, f"otp_wrong_code_{lang}_{size}")

    page.locator("#code").fill(code)
    page.locator("button.pay-button").click()
    page.get_by_text(TEXTS[lang]["done"]).wait_for()
    problems["complete"] = check_page(page, f"otp_complete_{lang}_{size}")
    assert problems == {"code": [], "wrong": [], "complete": []}


def test_the_code_step_works_without_javascript(new_context, otp_site):
    # (axe-core runs as page script, so it cannot run here: the test above covers it.)
    base, catcher = otp_site
    page = new_context(viewport=PHONE, java_script_enabled=False)
    merchant = live.register(base, organization="No-JS Furniture")
    payer = live.register(base, organization="Payer", pin=PIN)
    session = live.create_session(base, merchant, Decimal("750.00"))
    page.goto(session["checkoutUrl"])
    page.locator("#wallet_code").fill(payer["walletCode"])
    page.locator("#pin").fill(PIN)
    page.locator("button.pay-button").click()
    page.wait_for_selector("#code")

    # A new code at once is refused, and says when one can come.
    with page.expect_response(lambda r: r.request.method == "POST") as resend:
        page.get_by_role("button", name="Send a new code").click()
    page.wait_for_load_state()
    assert resend.value.status == 429
    assert "You can ask for a new code in" in page.get_by_role("alert").inner_text()
    screenshot(page, "otp_resend_too_soon_nojs_en_phone")

    code = code_in(text_part(wait_for_mail(catcher, payer["email"], 1)))
    page.locator("#code").fill(code)
    page.locator("button.pay-button").click()
    page.get_by_text("Payment complete").wait_for()
    assert len(code_mails(catcher, payer["email"])) == 1
