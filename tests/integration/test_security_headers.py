"""Security headers on every page and answer: strict CSP, no framing, no sniffing, no
referrer, no caching of session pages, and HSTS when served over https."""

import re
from decimal import Decimal

import pytest

from checkout import create_app
from tests.support import create_session, register


def csp_directives(response) -> dict:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def assert_strict_headers(response):
    csp = csp_directives(response)
    policy = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert csp["default-src"] == ["'none'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    # No third-party origin may serve anything: only 'self' (and data: images).
    foreign = {
        name: sources
        for name, sources in csp.items()
        if name != "form-action" and not set(sources) <= {"'self'", "'none'", "data:"}
    }
    assert foreign == {}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_every_checkout_state_sends_the_headers_and_no_store(client, app):
    merchant = await register(client)
    shopper = await register(client, organization="Shopper", pin="424242")
    session = await create_session(client, merchant, Decimal("3.00"))
    url = f"/checkout/{session['transactionTraceId']}"

    opened = await client.get(url)
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', await opened.get_data(as_text=True)
    ).group(1)
    wrong = await client.post(
        url, form={"csrf_token": token, "wallet_code": shopper["walletCode"], "pin": "000000"}
    )
    paid = await client.post(
        url, form={"csrf_token": token, "wallet_code": shopper["walletCode"], "pin": "424242"}
    )
    receipt = await client.get(url)
    unknown = await client.get("/checkout/cs_nope")
    assert [r.status_code for r in (opened, wrong, paid, receipt, unknown)] == [
        200,
        401,
        303,
        200,
        404,
    ]
    for response in (opened, wrong, paid, receipt, unknown):
        assert_strict_headers(response)
        assert response.headers["Cache-Control"] == "no-store"
        assert "Strict-Transport-Security" not in response.headers  # local http


async def test_api_static_and_error_pages_send_the_headers(client):
    for path, status in (
        ("/healthz", 200),
        ("/static/css/checkout.css", 200),
        ("/static/js/checkout.js", 200),
        ("/no/such/page", 404),
    ):
        response = await client.get(path)
        assert response.status_code == status, path
        assert_strict_headers(response)
    api = await client.get("/api/v1/wallets")
    assert api.status_code == 401
    assert_strict_headers(api)
    assert api.headers["Cache-Control"] == "no-store"


async def test_form_action_allows_only_the_merchants_success_origin(client):
    merchant = await register(client)
    session = await create_session(
        client,
        merchant,
        Decimal("3.00"),
        successUrl="https://shop.example/ok/{CHECKOUT_SESSION_ID}",
    )
    response = await client.get(f"/checkout/{session['transactionTraceId']}")
    assert csp_directives(response)["form-action"] == ["'self'", "https://shop.example"]


@pytest.fixture
async def https_client(settings):
    app = create_app(settings.replace(public_base_url="https://pay.example"))
    async with app.test_app() as test_app:
        yield test_app.test_client()


async def test_hsts_when_served_over_https(https_client):
    for path in ("/checkout/cs_nope", "/healthz"):
        response = await https_client.get(path)
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
        assert_strict_headers(response)
