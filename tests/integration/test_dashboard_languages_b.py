"""The dashboard's wallets, keys, profile and branding, payment links, webhooks, withdrawals
and invoices pages in French and Arabic (issue 13), over HTTP through the app: the switcher's
choice holds on every page, form errors, service refusals and flashes come back translated,
amounts are written the language's way. English stays the default (the other dashboard
tests read these pages in English)."""

import re
import secrets

import pytest

from tests.integration.test_dashboard import new_ip, sign_in, submit, text
from tests.support import register

RTL = '<html lang="ar" dir="rtl">'
FRENCH = '<html lang="fr" dir="ltr">'


@pytest.fixture
def settings(settings):
    # Webhook endpoints on 127.0.0.1 (no DNS here); production refuses private targets.
    return settings.replace(webhook_allow_private_targets=True)


async def choose(client, code: str) -> None:
    """The switcher's link: ?lang= on a dashboard page, remembered in the cookie."""
    response = await client.get(f"/dashboard/wallets?lang={code}")
    assert response.status_code == 200


async def endpoint_id(client) -> str:
    made = await submit(
        client,
        "/dashboard/webhooks",
        {"url": "http://127.0.0.1:9/hooks", "events": "*", "description": "Orders"},
    )
    assert made.status_code == 200, await text(made)
    return re.search(r'href="/dashboard/webhooks/(we_[0-9a-f]+)"', await text(made)).group(1)


async def draft_invoice(client, merchant) -> str:
    made = await submit(
        client,
        "/dashboard/invoices/new",
        {
            "customer_email": "ana@example.com",
            "wallet": merchant["walletCode"],
            "lines-0-description": "Stall pitch",
            "lines-0-quantity": "2",
            "lines-0-unit_amount": "12.50",
            "then": "draft",
        },
    )
    assert made.status_code == 303, await text(made)
    return made.headers["Location"]


async def test_every_page_of_part_b_is_arabic_and_right_to_left(client):
    merchant = await register(client)
    await sign_in(client, merchant)
    await choose(client, "ar")
    wallet = merchant["walletCode"]
    endpoint = await endpoint_id(client)
    invoice = await draft_invoice(client, merchant)
    pages = {
        "/dashboard/wallets": "<h1>المحافظ</h1>",
        f"/dashboard/wallets/{wallet}": "كشف الحساب",
        f"/dashboard/wallets/{wallet}/reset-pin": "إعادة تعيين رمز PIN",
        "/dashboard/keys": "<h1>مفاتيح API</h1>",
        "/dashboard/profile": "هوية صفحة الدفع",
        "/dashboard/links": "<h1>روابط الدفع</h1>",
        "/dashboard/webhooks": "<h1>خطافات الويب</h1>",
        f"/dashboard/webhooks/{endpoint}": "إرسال حدث تجريبي",
        "/dashboard/withdrawals": "<h1>عمليات السحب</h1>",
        "/dashboard/invoices": "<h1>الفواتير</h1>",
        "/dashboard/invoices/new": "<h1>فاتورة جديدة</h1>",
        invoice: "فاتورة (مسودة)",
    }
    for url, heading in pages.items():
        response = await client.get(url)
        page = await text(response)
        assert response.status_code == 200, url
        assert RTL in page, url
        assert heading in page, url
    invoices = await text(await client.get("/dashboard/invoices"))
    assert '<label for="status">الحالة</label>' in invoices and ">الكل</option>" in invoices
    # Amounts the Arabic way: the ISO code after the number, which keeps its digits' order.
    assert "1,000.00\xa0USD" in await text(await client.get("/dashboard/wallets"))


async def test_french_form_errors_refusals_and_flashes(client):
    merchant = await register(client)
    await sign_in(client, merchant)
    await choose(client, "fr")

    # A form re-rendered with its field messages in French.
    bad = await submit(client, "/dashboard/links", {"description": "", "amount": "12.50"})
    page = await text(bad)
    assert bad.status_code == 400 and FRENCH in page
    assert "Décrivez ce que vend le lien." in page
    assert "Describe what the link sells." not in page

    mismatch = await submit(
        client,
        "/dashboard/profile/password",
        {"current_password": merchant["password"], "new_password": "a new secret 1"},
        token_from="/dashboard/profile",
    )
    assert mismatch.status_code == 400
    assert "Les deux nouveaux mots de passe sont différents." in await text(mismatch)

    # The branding check's refusal (the API's English names the contrast), in French.
    light = await submit(
        client,
        "/dashboard/profile/branding",
        {"brand_color": "#ffff00"},
        token_from="/dashboard/profile",
    )
    page = await text(light)
    assert light.status_code == 400
    assert "#ffff00 est trop clair" in page and "WCAG AA exige 4.5:1" in page

    # A service refusal, worded from its code.
    wrong = await submit(
        client,
        f"/dashboard/wallets/{merchant['walletCode']}/reset-pin",
        {"password": "not my password"},
    )
    assert wrong.status_code == 401
    assert "Le mot de passe est incorrect." in await text(wrong)

    # A flash after the redirect, with the amount written the French way.
    made = await submit(
        client,
        "/dashboard/links",
        {"description": "Billet", "amount": "1234.50", "wallet": merchant["walletCode"]},
    )
    assert made.status_code == 303, await text(made)
    listing = await text(await client.get(made.headers["Location"]))
    assert "Lien de paiement créé. Copiez son URL et partagez-la." in listing
    assert "1\u202f234,50\xa0$US" in listing
    assert "0 effectué" in listing


async def test_arabic_refusals_flashes_and_invoice_line_errors(client):
    merchant = await register(client)
    ip = new_ip()
    await sign_in(client, merchant, ip)
    await choose(client, "ar")

    wrong = await submit(
        client,
        "/dashboard/withdrawals",
        {
            "wallet": merchant["walletCode"],
            "amount": "5.00",
            "password": "not my password",
            "key": secrets.token_hex(16),
        },
        ip,
    )
    page = await text(wrong)
    assert RTL in page
    assert wrong.status_code == 401
    assert "كلمة المرور غير صحيحة." in page and "password is incorrect" not in page

    lines = await submit(
        client,
        "/dashboard/invoices/new",
        {
            "customer_email": "ana@example.com",
            "wallet": merchant["walletCode"],
            "lines-0-description": "Stall pitch",
            "lines-0-quantity": "0",
            "lines-0-unit_amount": "12.50",
            "then": "draft",
        },
        ip,
    )
    page = await text(lines)
    assert lines.status_code == 400
    assert "صحّح البنود المميّزة." in page and "أدخل عددًا صحيحًا من 1 إلى 100,000." in page

    key = await submit(client, "/dashboard/keys", {"label": "Till"}, ip)
    listing = await text(key)
    assert "تم إنشاء المفتاح «Till»" in listing
    revoke_url = re.search(r'action="(/dashboard/keys/[0-9a-f]{24}/revoke)"', listing).group(1)
    revoked = await submit(client, revoke_url, {}, ip, token_from="/dashboard/keys")
    assert revoked.status_code == 303
    after = await text(await client.get("/dashboard/keys"))
    assert "تم إبطال المفتاح" in after and "لا توجد مفاتيح نشطة." in after


async def test_english_stays_the_default(client):
    merchant = await register(client)
    await sign_in(client, merchant)
    page = await text(await client.get("/dashboard/withdrawals"))
    assert '<html lang="en" dir="ltr">' in page and "<h1>Withdrawals</h1>" in page
