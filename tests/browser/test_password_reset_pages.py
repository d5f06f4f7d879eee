"""A merchant who forgot the password: "Forgot password?" on the sign-in page, the link
from the mail (sent by a real worker to a real SMTP server), the new-password page, then
signing in with it. axe-clean at 360 and 1280 px; screenshots go to
tests/browser/screenshots/reset_*.png."""

import re

import pytest

from tests import live
from tests.mail_support import start_mail_worker, text_part, wait_for_blocking

from .conftest import DESKTOP, PHONE, axe_violations, layout_problems, screenshot

pytestmark = pytest.mark.browser
LINK = re.compile(r"(http://[^\s]+/dashboard/reset-password\?token=[A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def mail_worker(store_env):
    from tests.mail_support import MailCatcher

    catcher = MailCatcher()
    worker = start_mail_worker(store_env, catcher)
    yield catcher
    worker.stop()
    catcher.stop()


def check(page, name: str) -> None:
    assert axe_violations(page) == [], name
    assert [p for p in layout_problems(page) if "horizontal" in p] == [], name
    screenshot(page, name)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_forgot_password_then_set_a_new_one_from_the_mailed_link(
    new_context, live_server, mail_worker, viewport
):
    size = "phone" if viewport is PHONE else "desktop"
    merchant = live.register(live_server, organization="Forgetful Florist")
    page = new_context(viewport=viewport)

    page.goto(f"{live_server}/dashboard/login")
    page.get_by_role("link", name="Forgot password?").click()
    page.wait_for_url(f"{live_server}/dashboard/forgot-password")
    check(page, f"reset_forgot_{size}")
    page.get_by_label("Email").fill(merchant["email"])
    page.get_by_role("button", name="Mail me a link").click()
    page.get_by_role("heading", name="Check your mail").wait_for()
    check(page, f"reset_sent_{size}")

    [mail] = wait_for_blocking(mail_worker, merchant["email"], "Reset your")
    link = LINK.search(text_part(mail)).group(1)
    page.goto(link)
    page.get_by_role("heading", name="Set a new password").wait_for()
    check(page, f"reset_form_{size}")
    page.get_by_label("New password", exact=True).fill("fresh tulips 2026")
    page.get_by_label("Repeat the new password").fill("fresh tulips 2062")
    page.get_by_role("button", name="Set new password").click()
    assert page.get_by_text("The two new passwords differ.").is_visible()
    check(page, f"reset_form_error_{size}")
    page.get_by_label("New password", exact=True).fill("fresh tulips 2026")
    page.get_by_label("Repeat the new password").fill("fresh tulips 2026")
    page.get_by_role("button", name="Set new password").click()
    page.wait_for_url(f"{live_server}/dashboard/login")
    assert page.get_by_text("Password changed. Sign in with your new password.").is_visible()
    check(page, f"reset_done_{size}")

    page.get_by_label("Email").fill(merchant["email"])
    page.get_by_label("Password").fill("fresh tulips 2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/dashboard/")

    # The link worked once: opened again, its form is refused with a way to ask anew.
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("another bouquet 1")
    page.get_by_label("Repeat the new password").fill("another bouquet 1")
    page.get_by_role("button", name="Set new password").click()
    assert page.get_by_text("This link is invalid, expired or already used.").is_visible()
    assert page.get_by_role("link", name="Ask for a new link").is_visible()
    check(page, f"reset_used_link_{size}")
