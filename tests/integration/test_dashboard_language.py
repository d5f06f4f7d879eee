"""The dashboard's language: ?lang= (the switcher) wins and is remembered in a cookie scoped to
/dashboard; then the browser's Accept-Language. The operators' console stays English."""

from checkout.i18n import LANGUAGE_COOKIE


def language_cookies(response) -> list[str]:
    return [c for c in response.headers.getlist("Set-Cookie") if c.startswith(LANGUAGE_COOKIE)]


async def test_the_switcher_sets_the_language_and_remembers_it_for_the_dashboard(client):
    response = await client.get("/dashboard/login?lang=fr", headers={"Accept-Language": "ar"})
    html = await response.get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in html
    assert response.headers["Content-Language"] == "fr"
    [cookie] = language_cookies(response)
    assert cookie.startswith(f"{LANGUAGE_COOKIE}=fr;")
    assert "Path=/dashboard" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie

    # The next page has no ?lang=: the remembered choice beats the browser's preference.
    again = await client.get("/dashboard/signup", headers={"Accept-Language": "ar"})
    assert '<html lang="fr" dir="ltr">' in await again.get_data(as_text=True)
    assert "Cookie" in again.headers["Vary"]


async def test_without_a_choice_the_dashboard_follows_the_browser(client):
    response = await client.get("/dashboard/login", headers={"Accept-Language": "ar"})
    html = await response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    assert language_cookies(response) == []


async def test_the_switcher_offers_every_language_and_keeps_the_query(client):
    response = await client.get("/dashboard/login?next=%2Fdashboard%2Fsessions&lang=en")
    html = await response.get_data(as_text=True)
    for code in ("en", "fr", "ar"):
        assert f'hreflang="{code}"' in html
    assert 'href="?next=%2Fdashboard%2Fsessions&amp;lang=ar"' in html


async def test_an_unknown_language_changes_nothing(client):
    response = await client.get("/dashboard/login?lang=xx", headers={"Accept-Language": "fr"})
    assert '<html lang="fr" dir="ltr">' in await response.get_data(as_text=True)
    assert language_cookies(response) == []


async def test_the_operators_console_stays_english(client):
    response = await client.get("/admin/login?lang=fr", headers={"Accept-Language": "ar"})
    html = await response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert 'hreflang="fr"' not in html
    assert language_cookies(response) == []


async def test_checkout_pages_ignore_the_dashboards_choice(client):
    await client.get("/dashboard/login?lang=fr")
    response = await client.get("/checkout/cs_unknown", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in await response.get_data(as_text=True)
