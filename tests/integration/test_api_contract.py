"""The API as a contract: /openapi.json describes every /api/v1 route, unknown parameters
are refused, and amounts stay exact."""

from decimal import Decimal

import httpx
import pytest
from openapi_spec_validator import validate

from ..live import api
from ..live import register as live_register
from ..support import body, call, create_session, register

OPEN_ROUTES = {
    ("POST", "/api/v1/org/register"),
    ("POST", "/api/v1/org/login"),
    ("POST", "/api/v1/txn/accept-payment/{session_id}"),
    # Reached with a mailed single-use token instead of credentials.
    ("POST", "/api/v1/org/password-reset"),
    ("POST", "/api/v1/org/password-reset/confirm"),
    ("POST", "/api/v1/org/verify-email"),
}


def documented_path(rule) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<{name}>", "{" + name + "}")
    return path


def api_operations(app):
    for rule in app.app.url_map.iter_rules():  # TestApp wraps the Quart app
        if rule.rule.startswith("/api/v1/"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


async def openapi(client) -> dict:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    return await body(response)


async def test_openapi_document_is_valid_openapi_3_1(client):
    document = await openapi(client)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT or sk_... API key",
    }


async def test_openapi_covers_every_api_route_of_the_url_map(app, client):
    document = await openapi(client)
    seen = set()
    for rule, method in api_operations(app):
        path = documented_path(rule)
        operation = document["paths"].get(path, {}).get(method.lower())
        assert operation is not None, f"{method} {path} is not documented"
        seen.add((method, path))
        responses = operation["responses"]
        # One success answer, or several with their own models (accept-payment's 200 and
        # its 202 requires_otp), each with a schema.
        answers = [code for code in responses if code.startswith("2")]
        assert answers and all(
            "schema" in responses[code]["content"]["application/json"] for code in answers
        ), (method, path)
        for code in ("400", "503"):
            assert responses[code]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/Error"
            }, (method, path, code)
        assert "404" in responses or not rule.arguments, (method, path)
        assert (
            method not in ("POST", "PUT")
            or "requestBody" in operation
            or path.endswith(("/expire", "/redeliver"))
        ), path
        secured = operation.get("security") == [{"bearerAuth": []}]
        assert secured == ((method, path) not in OPEN_ROUTES), (method, path)
        assert secured == ("401" in responses) or (method, path) in OPEN_ROUTES
    # Nothing else: pages (HTML) are not part of the API document.
    documented = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops}
    assert documented == seen


async def test_routes_documented_as_authenticated_refuse_a_missing_token(app, client):
    document = await openapi(client)
    for rule, method in api_operations(app):
        path = documented_path(rule)
        concrete = path.replace("{", "x").replace("}", "")
        response = await client.open(
            concrete, method=method, data=b"{}", headers={"Content-Type": "application/json"}
        )
        secured = "security" in document["paths"][path][method.lower()]
        assert (response.status_code == 401) == secured, (method, path, response.status_code)


async def test_the_error_schema_names_the_shape(client):
    schemas = (await openapi(client))["components"]["schemas"]
    assert schemas["Error"]["required"] == ["error"]
    assert set(schemas["ErrorDetail"]["required"]) == {"code", "message"}
    assert {"field", "fields", "retry_after"} <= set(schemas["ErrorDetail"]["properties"])


async def test_answers_keep_their_original_names(client):
    schemas = (await openapi(client))["components"]["schemas"]
    assert "session-time" in schemas["Session"]["properties"]
    assert "transactionTraceId" in schemas["Session"]["properties"]
    assert schemas["Session"]["properties"]["amount"]["type"] == "number"


@pytest.mark.parametrize("path", ["/docs", "/redocs", "/scalar"])
async def test_no_docs_ui_that_would_load_scripts_from_a_cdn(client, path):
    assert (await client.get(path)).status_code == 404


# --- unknown parameters (over real HTTP) ---


@pytest.mark.parametrize(
    "extra, named",
    [
        ({"currency": "EUR"}, "currency"),
        ({"expiresAfter": "2030-01-01T00:00:00Z"}, "expiresAfter"),
        ({"items": [{"name": "Tea", "amount": 5}]}, "items"),
    ],
)
def test_unknown_body_parameters_are_refused(live_server, extra, named):
    merchant = live_register(live_server)
    response = api(
        live_server,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": Decimal("10.00"), **extra},
        merchant["headers"],
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error == {
        "code": "invalid_request",
        "message": f"unknown parameter: {named}",
        "fields": [named],
        "requestId": error["requestId"],
    }
    listed = api(live_server, "GET", "/api/v1/txn/payment-sessions", None, merchant["headers"])
    assert listed.json()["data"] == []  # nothing was created


def test_several_unknown_parameters_are_all_named(live_server):
    merchant = live_register(live_server)
    response = api(
        live_server,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        {"amount": 10, "currency": "EUR", "items": []},
        merchant["headers"],
    )
    error = response.json()["error"]
    assert response.status_code == 400
    assert error["message"] == "unknown parameters: currency, items"
    assert error["fields"] == ["currency", "items"]


@pytest.mark.parametrize(
    "path, parameter",
    [
        ("/api/v1/txn/payment-sessions?limit=5&offset=10", "offset"),
        ("/api/v1/txn/transaction?page=2", "page"),
        ("/api/v1/payment-links?expand=payments", "expand"),
        ("/api/v1/wallets?currency=EUR", "currency"),
        ("/api/v1/keys?all=1", "all"),
        ("/api/v1/webhooks?x=", "x"),
    ],
)
def test_unknown_query_parameters_of_list_endpoints_are_refused(live_server, path, parameter):
    merchant = live_register(live_server)
    response = httpx.get(live_server + path, headers=merchant["headers"], timeout=30)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error == {
        "code": "invalid_request",
        "message": f"unknown parameter: {parameter}",
        "fields": [parameter],
        "requestId": error["requestId"],
    }


def test_known_query_parameters_still_work(live_server):
    merchant = live_register(live_server)
    response = httpx.get(
        f"{live_server}/api/v1/txn/payment-sessions?limit=5&status=open",
        headers=merchant["headers"],
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"data": [], "hasMore": False, "nextCursor": None}


async def test_a_type_error_names_the_field_in_the_error_shape(client):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        "/api/v1/payment-links",
        {
            "walletCode": merchant["walletCode"],
            "amount": 5,
            "description": "Tea",
            "maxPayments": "3",
        },
        merchant["headers"],
    )
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request" and error["field"] == "maxPayments"
    assert "maxPayments" in error["message"]


# --- amounts are never floats ---


@pytest.mark.parametrize("amount", ["10.100000000000000000001", "0.30000000000000000001"])
async def test_an_amount_a_float_would_round_is_refused(client, amount):
    # float("10.100000000000000000001") == 10.1: any float on the way would accept it.
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        f"/api/v1/txn/payment-session/{merchant['walletCode']}",
        raw=f'{{"amount": {amount}}}'.encode(),
        headers=merchant["headers"],
    )
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_amount" and "decimal places" in error["message"]


async def test_amounts_come_back_exact(client):
    merchant = await register(client)
    session = await create_session(client, merchant, Decimal("1234567890.10"))
    assert session["amount"] == Decimal("1234567890.10")
    response = await client.get(
        f"/api/v1/txn/payment-session/{session['transactionTraceId']}", headers=merchant["headers"]
    )
    assert b'"amount":1234567890.10,' in await response.get_data()


async def test_quart_schema_validation_errors_get_the_error_shape(settings):
    # Routes may also use quart-schema's own validators; their 400 is ours too.
    from pydantic import BaseModel
    from quart_schema import validate_querystring

    from checkout import create_app

    class Probe(BaseModel):
        n: int

    application = create_app(settings)

    @application.get("/api/v1/probe")
    @validate_querystring(Probe)
    async def probe(query_args):
        return {"n": query_args.n}

    async with application.test_app() as test_app:
        response = await test_app.test_client().get("/api/v1/probe?n=x")
    assert response.status_code == 400
    error = (await body(response))["error"]
    assert error["code"] == "invalid_request" and error["fields"] == ["n"]
    assert error["message"].startswith("n: Input should be a valid integer")
