async def test_dashboard_pages_say_they_are_english_whatever_the_browser_asks(client):
    response = await client.get("/dashboard/login?lang=fr", headers={"Accept-Language": "ar"})
    html = await response.get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in html
    assert response.headers["Content-Language"] == "en"
    assert 'hreflang="fr"' not in html  # no language switcher for a page that has no French


async def test_checkout_pages_still_follow_the_browser(client):
    response = await client.get("/checkout/cs_unknown", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in await response.get_data(as_text=True)
