"""The dashboard's frame, sign-in and sign-up, password and email links, overview, payments
and transactions pages in French and Arabic (issue 13, part A), over HTTP through the app:
form errors, service refusals and flashes come back translated, codes and emails keep
reading left to right in Arabic. English stays the default (the other dashboard tests read
these pages in English)."""

import pytest

from tests.integration.test_dashboard import sign_in, submit, text
from tests.support import register

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
