"""The dashboard's frame, sign-in and sign-up, password and email links, overview, payments
and transactions pages in French and Arabic (issue 13, part A), over HTTP through the app:
form errors, service refusals and flashes come back translated, codes and emails keep
reading left to right in Arabic. English stays the default (the other dashboard tests read
these pages in English)."""

import re
from decimal import Decimal

import pytest

from tests.integration.money_out_support import PIN, paid_session
from tests.integration.test_dashboard import sign_in, submit, text
from tests.integration.test_dashboard_payment_actions import refund_from_page
from tests.support import create_session, register

RTL = '<html lang="ar" dir="rtl">'
FRENCH = '<html lang="fr" dir="ltr">'


async def choose(client, code: str, url: str = "/dashboard/login") -> None:
    """The switcher's link: ?lang= on a dashboard page, remembered in the cookie."""
    response = await client.get(f"{url}?lang={code}")
    assert response.status_code in (200, 303)


async def test_sign_in_and_sign_up_in_french_with_field_errors_and_refusals(client):
    merchant = await register(client)
    await choose(client, "fr")
    page = await text(await client.get("/dashboard/login"))
    assert FRENCH in page and "<h1>Connectez-vous à votre tableau de bord</h1>" in page
    assert "<title>Se connecter · Tableau de bord Checkout</title>" in page

    empty = await submit(client, "/dashboard/login", {"email": "", "password": ""})
    page = await text(empty)
    assert empty.status_code == 400
    assert "Saisissez votre adresse e-mail." in page and "Saisissez votre mot de passe." in page
    assert "Enter your email." not in page

    wrong = await submit(
        client, "/dashboard/login", {"email": merchant["email"], "password": "not it"}
    )
    assert wrong.status_code == 401
    assert "L’adresse e-mail ou le mot de passe est incorrect." in await text(wrong)

    short = await submit(
        client,
        "/dashboard/signup",
        {
            "organization": "Librairie",
            "email": merchant["email"],
            "password": "short",
            "category": "livres",
            "pin": "12",
        },
    )
    page = await text(short)
    assert short.status_code == 400
    assert "Utilisez de 8 à 256 caractères." in page
    assert "Un code PIN compte exactement 6 chiffres." in page
    assert "Secteur d’activité" in page and "Créer le compte" in page

    taken = await submit(
        client,
        "/dashboard/signup",
        {
            "organization": "Librairie",
            "email": merchant["email"],
            "password": "long enough 1",
            "category": "livres",
            "pin": "",
        },
    )
    assert taken.status_code == 409
    assert "Un compte existe déjà avec cette adresse e-mail." in await text(taken)


async def test_signed_in_frame_in_arabic_and_a_translated_sign_out_flash(client):
    merchant = await register(client, organization="مكتبة الميناء")
    await sign_in(client, merchant)
    await choose(client, "ar", "/dashboard/")
    page = await text(await client.get("/dashboard/transactions"))
    assert RTL in page
    for label in ("نظرة عامة", "المدفوعات", "المعاملات", "المحافظ", "مفاتيح API", "الملف الشخصي"):
        assert f">{label}</a>" in page, label
    assert "<summary>القائمة</summary>" in page and ">تسجيل الخروج</button>" in page
    assert "الأوقات بالتوقيت العالمي UTC" in page

    out = await submit(client, "/dashboard/logout", {}, token_from="/dashboard/")
    assert out.status_code == 303
    login = await text(await client.get(out.headers["Location"]))
    assert RTL in login and "تم تسجيل خروجك." in login


async def test_password_and_email_links_refused_in_arabic(client):
    await choose(client, "ar")
    forgot = await text(await client.get("/dashboard/forgot-password"))
    assert RTL in forgot and "<h1>هل نسيت كلمة المرور؟</h1>" in forgot
    bad = await submit(client, "/dashboard/forgot-password", {"email": "not an email"})
    assert bad.status_code == 400
    assert "Enter a valid email address." not in await text(bad)

    sent = await submit(client, "/dashboard/forgot-password", {"email": "ana@example.com"})
    page = await text(sent)
    assert sent.status_code == 200 and "<h1>تحقّق من بريدك</h1>" in page
    assert "<strong><bdi>ana@example.com</bdi></strong>" in page  # reads left to right

    for url in ("/dashboard/reset-password", "/dashboard/verify-email"):
        form = {"token": "no-such-token"}
        if "reset" in url:
            form |= {"new_password": "a new secret 1", "confirm": "a new secret 1"}
        refused = await submit(client, url, form, token_from=f"{url}?token=no-such-token")
        page = await text(refused)
        assert refused.status_code == 400, url
        assert "هذا الرابط غير صالح أو منتهي الصلاحية أو سبق استخدامه. اطلب رابطًا جديدًا." in page
        assert "This link is invalid" not in page


@pytest.mark.parametrize(
    "headers, query, expected",
    [({"Accept-Language": "ar"}, "", RTL), ({}, "?lang=fr", FRENCH)],
)
async def test_the_landing_page_negotiates_like_the_dashboard(client, headers, query, expected):
    page = await text(await client.get(f"/{query}", headers=headers))
    assert expected in page and "<h1>Checkout</h1>" in page
    assert "A payment gateway with a hosted checkout page." not in page


async def test_a_language_chosen_on_the_landing_page_goes_along_to_sign_in(client):
    page = await text(await client.get("/?lang=ar", headers={"Accept-Language": "fr"}))
    assert 'href="/dashboard/login?lang=ar"' in page
    assert 'href="/dashboard/signup?lang=ar"' in page
    login = await client.get("/dashboard/login?lang=ar", headers={"Accept-Language": "fr"})
    assert RTL in await text(login)
    # Without a choice the links stay plain: the browser's preference decides there too.
    assert 'href="/dashboard/login"' in await text(await client.get("/"))


async def test_overview_payments_and_a_refund_in_french(client):
    merchant, shopper = await register(client), await register(client, "Shopper", pin=PIN)
    session = await paid_session(client, merchant, shopper, Decimal("234.50"))
    session_id = session["transactionTraceId"]
    await sign_in(client, merchant)
    await choose(client, "fr", "/dashboard/")

    overview = await text(await client.get("/dashboard/"))
    assert FRENCH in overview and "<h1>Vue d’ensemble</h1>" in overview
    assert "Aujourd’hui" in overview and "30 derniers jours" in overview
    assert "234,50\xa0$US" in overview  # Babel's French amount
    assert "Meilleur jour :" in overview and "Reçu brut et remboursements par jour" in overview
    assert ">Payé</span>" in overview  # the status badge

    listing = await text(await client.get("/dashboard/sessions?status=complete"))
    assert '<option selected value="complete">Payé</option>' in listing
    assert "Tous les statuts" in listing and "Aucune session" not in listing

    # A refund form re-rendered with its field error, then a refund and its flash.
    bad = await refund_from_page(client, session_id, amount="abc")
    page = await text(bad)
    assert bad.status_code == 400 and "Saisissez un montant comme 12.50." in page
    too_much = await refund_from_page(client, session_id, amount="5000")
    page = await text(too_much)
    assert too_much.status_code == 422
    assert "Le remboursement dépasse ce qu’il reste à rembourser." in page
    done = await refund_from_page(client, session_id, amount="4.50", reason="Abîmé")
    assert done.status_code == 303
    detail = await text(await client.get(done.headers["Location"]))
    assert "Remboursement de 4,50\xa0$US effectué." in detail
    assert 'id="session-status">Partiellement remboursé<' in detail
    assert "Écritures comptables" in detail and "Frais de la plateforme" in detail

    empty = await submit(client, "/dashboard/sessions/new", {"amount": "", "wallet": ""})
    page = await text(empty)
    assert empty.status_code == 400 and "Saisissez un montant, par exemple 12.50." in page
    assert "En USD, par exemple 12.50." in page


async def test_payment_detail_cancel_and_transactions_in_arabic(client):
    merchant = await register(client)
    session = await create_session(client, merchant, Decimal("12.00"), clientReferenceId="A-7")
    session_id = session["transactionTraceId"]
    await sign_in(client, merchant)
    await choose(client, "ar", "/dashboard/")

    detail = await text(await client.get(f"/dashboard/sessions/{session_id}"))
    assert RTL in detail and 'id="session-status">مفتوحة<' in detail
    assert f"<bdi>{session_id}</bdi>" in detail and "<bdi>A-7</bdi>" in detail
    assert 'id="checkout-link" class="mono" dir="ltr"' in detail  # a URL reads left to right

    canceled = await submit(
        client,
        f"/dashboard/sessions/{session_id}/cancel",
        {},
        token_from=f"/dashboard/sessions/{session_id}",
    )
    assert canceled.status_code == 303
    detail = await text(await client.get(canceled.headers["Location"]))
    assert "أُلغي الدفع: لم يعد رابط الدفع الخاص به يقبل الدفع." in detail
    assert 'id="session-status">ملغاة<' in detail
    again = await submit(
        client, f"/dashboard/sessions/{session_id}/cancel", {}, token_from="/dashboard/sessions"
    )
    assert again.status_code == 409
    assert "لم يعد هذا الدفع مفتوحًا: لا يمكن إلغاؤه." in await text(again)

    listing = await text(await client.get("/dashboard/transactions"))
    assert "<h1>المعاملات</h1>" in listing and "رصيد ترحيبي" in listing
    assert re.search(r'<option value="welcome_credit">رصيد ترحيبي</option>', listing)
    refused = await client.get("/dashboard/transactions?start=2026-11-20&end=2026-11-01")
    assert refused.status_code == 400
    assert "تاريخ النهاية يسبق تاريخ البداية." in await text(refused)
    garbled = await client.get("/dashboard/transactions?start=not-a-date")
    assert garbled.status_code == 400 and "هذا التاريخ غير صالح." in await text(garbled)
