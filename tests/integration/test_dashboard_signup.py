"""The way in: the landing page at / and the dashboard's sign-up page, over HTTP through
the app on the real stores."""

import re

from checkout import create_app
from tests.integration.money_out_support import pay
from tests.integration.test_dashboard import new_ip, submit, text
from tests.support import body, call, create_session, register, unique_email

PIN_SHOWN = re.compile(r'id="new-wallet-pin">([0-9]{6})<')
CODE_SHOWN = re.compile(r'id="new-wallet-code">([^<]+)<')


def sign_up_form(**overrides) -> dict:
    return {
        "organization": "Harbour Books",
        "email": unique_email("signup"),
        "password": "correct horse 1",
        "category": "books",
        "pin": "",
        **overrides,
    }


async def test_the_landing_page_says_what_this_is_and_links_the_ways_in(client):
    response = await client.get("/")
    assert response.status_code == 200
    page = await text(response)
    assert '<html lang="en"' in page  # English without a preference
    assert "<h1>Checkout</h1>" in page and "payment gateway" in page
    for href in ('href="/dashboard/login"', 'href="/dashboard/signup"', 'href="/openapi.json"'):
        assert href in page
    assert (await client.get("/openapi.json")).status_code == 200
    assert (await client.get("/dashboard/signup")).status_code == 200


async def test_the_landing_page_speaks_the_browsers_language(client):
    french = await text(await client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    assert '<html lang="fr" dir="ltr">' in french
    assert "Créer un compte marchand" in french and "passerelle de paiement" in french
    arabic = await text(await client.get("/?lang=ar", headers={"Accept-Language": "fr"}))
    assert '<html lang="ar" dir="rtl">' in arabic
    assert "تسجيل الدخول" in arabic and 'href="/dashboard/login?lang=ar"' in arabic


async def test_sign_up_shows_the_pin_once_and_signs_in(app, client):
    form = sign_up_form()
    response = await submit(client, "/dashboard/signup", form)
    page = await text(response)
    # Rendered straight into the POST's answer: no redirect whose URL or cookie could carry it.
    assert response.status_code == 200, page
    assert "Location" not in response.headers
    pin = PIN_SHOWN.search(page).group(1)
    wallet_code = CODE_SHOWN.search(page).group(1)
    assert "only this once" in page and "Harbour Books" in page
    assert response.headers["Cache-Control"] == "no-store"

    # Nothing in the cookies carries the PIN: the signed session cookie is readable by
    # anyone who holds it.
    quart_app = app.app
    serializer = quart_app.session_interface.get_signing_serializer(quart_app)
    cookies = response.headers.get_all("Set-Cookie")
    assert any(c.startswith("checkout_dashboard=") for c in cookies)
    for cookie in cookies:
        if cookie.startswith("checkout_session="):
            value = cookie.split(";", 1)[0].split("=", 1)[1]
            assert pin not in repr(serializer.loads(value))
        assert pin not in cookie

    # Signed in; no later page shows the PIN again.
    for url in ("/dashboard/", "/dashboard/wallets"):
        later = await client.get(url)
        assert later.status_code == 200 and pin not in await text(later)
    assert wallet_code in await text(await client.get("/dashboard/wallets"))

    # The account is the API's: its credentials log in there, and the shown PIN pays.
    login = await call(
        client,
        "POST",
        "/api/v1/org/login",
        {"email": form["email"], "password": form["password"]},
    )
    assert login.status_code == 200 and (await body(login))["walletCode"] == wallet_code
    account = await quart_app.extensions["checkout"].db.accounts.find_one({"email": form["email"]})
    assert pin not in repr(account)
    merchant = await register(client, organization="Corner Shop")
    session = await create_session(client, merchant)
    paid = await pay(client, session, {"walletCode": wallet_code}, pin=pin)
    assert paid.status_code == 200, await paid.get_data()


async def test_a_chosen_pin_is_the_one_shown(client):
    response = await submit(client, "/dashboard/signup", sign_up_form(pin="246810"))
    assert response.status_code == 200
    assert PIN_SHOWN.search(await text(response)).group(1) == "246810"


async def test_a_duplicate_email_re_renders_with_a_message_on_the_email_field(client):
    merchant = await register(client)
    response = await submit(
        client, "/dashboard/signup", sign_up_form(email=merchant["email"].upper())
    )
    page = await text(response)
    assert response.status_code == 409
    assert "An account with this email already exists." in page
    assert re.search(r'id="email"[^>]*aria-invalid="true"', page) or re.search(
        r'aria-invalid="true"[^>]*id="email"', page
    )
    assert 'id="email-error"' in page
    assert "correct horse 1" not in page  # the password is not sent back


async def test_invalid_fields_re_render_with_field_messages(app, client):
    db = app.app.extensions["checkout"].db
    before = await db.accounts.count_documents({})
    response = await submit(
        client,
        "/dashboard/signup",
        sign_up_form(password="short", pin="12ab", email="not an email", organization=""),
    )
    page = await text(response)
    assert response.status_code == 400
    for message in (
        "Use 8 to 256 characters.",
        "A PIN is exactly 6 digits.",
        "Enter a valid email address.",
        "Enter your organization&#39;s name.",
    ):
        assert message in page, message
    assert await db.accounts.count_documents({}) == before


async def test_sign_up_without_the_csrf_token_is_refused(app, client):
    form = sign_up_form()
    response = await client.post("/dashboard/signup", form=form, scope_base={"client": new_ip()})
    assert response.status_code == 400
    assert "This form has expired" in await text(response)
    db = app.app.extensions["checkout"].db
    assert await db.accounts.find_one({"email": form["email"]}) is None
    assert "checkout_dashboard=" not in " ".join(response.headers.get_all("Set-Cookie"))


async def test_sign_ups_are_limited_per_address_like_the_api(settings):
    """The same counter as POST /api/v1/org/register: one API sign-up and one dashboard
    sign-up use up a limit of 2 for the address; the next is refused with the form."""
    app = create_app(settings.replace(registrations_per_hour=2))
    async with app.test_app() as test_app:
        ip = new_ip()
        api = test_app.test_client()
        registered = await api.post(
            "/api/v1/org/register",
            json={
                "organization": "Stall",
                "email": unique_email(),
                "password": "correct horse 1",
                "category": "food",
            },
            scope_base={"client": ip},
        )
        assert registered.status_code == 201
        ok = await submit(test_app.test_client(), "/dashboard/signup", sign_up_form(), ip=ip)
        assert ok.status_code == 200
        form = sign_up_form()
        refused = await submit(test_app.test_client(), "/dashboard/signup", form, ip=ip)
        page = await text(refused)
        assert refused.status_code == 429
        assert "Retry-After" in refused.headers
        assert "Too many sign-ups from this address" in page
        assert form["organization"] in page  # the form comes back filled in
        other = await submit(test_app.test_client(), "/dashboard/signup", sign_up_form())
        assert other.status_code == 200  # another address is not held back
