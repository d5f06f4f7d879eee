"""The API contract at work: handlers declare their models (schemas.py) with these
decorators, which validate the request and document the answer, and /openapi.json
describes them.

Bodies are read by parsing.json_body, not by quart-schema's validate_request: that one
needs a JSON Content-Type and answers a bare 400 to bad JSON, where this API has always
taken the body as JSON and answered `invalid_json`. The model's findings become
InvalidRequest, a CheckoutError like every other refusal, so an idempotent POST stores
and replays them the same way.
"""

from functools import wraps
from typing import Any

from pydantic import TypeAdapter, ValidationError
from quart import request
from quart_schema import (
    OpenAPIProvider,
    QuartSchema,
    document_querystring,
    document_request,
    document_response,
    security_scheme,
)

from ...errors import InvalidRequest
from . import schemas
from .parsing import json_body, optional_json_body

ERRORS_ATTRIBUTE = "_checkout_error_statuses"
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
REF_TEMPLATE = "#/components/schemas/{model}"

ERROR_DESCRIPTIONS = {
    400: "Invalid request: bad JSON, an unknown or missing parameter, a bad value.",
    401: "Missing or invalid credentials (or PIN).",
    402: "Insufficient funds.",
    403: "Not allowed with these credentials.",
    404: "Not found (another account's resource answers the same).",
    409: "Conflicts with the resource's state, or an Idempotency-Key still in flight.",
    410: "Gone: expired session or inactive payment link.",
    413: "The request body is too large.",
    422: "Well-formed but cannot be processed.",
    423: "Wallet locked after too many wrong PINs.",
    429: "Rate limited; see Retry-After.",
    503: (
        "A data store is unavailable, or (payments) the payer's wallet is held by another"
        " payment that has not finished; nothing was charged, retry shortly."
    ),
}


def invalid_request(error: ValidationError) -> InvalidRequest:
    """pydantic's findings in the API's error shape, naming the parameter(s)."""
    problems = error.errors(include_url=False)
    fields = list(dict.fromkeys(str(p["loc"][0]) for p in problems if p["loc"]))
    message = "; ".join(f"{'.'.join(map(str, p['loc'])) or 'body'}: {p['msg']}" for p in problems)
    details: dict[str, Any] = {"fields": fields}
    if len(fields) == 1:
        details["field"] = fields[0]
    return InvalidRequest(message or "The request is invalid.", **details)


def load(model, data):
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_request(error) from None


def body(model, *, optional: bool = False):
    """The JSON body, validated by model, as the handler's `data` argument. optional: an
    empty body counts as {}."""

    def decorator(handler):
        @wraps(handler)
        async def wrapper(*args, **kwargs):
            raw = await (optional_json_body() if optional else json_body())
            return await handler(*args, data=load(model, raw), **kwargs)

        return document_request(model)(wrapper)

    return decorator


def query(model):
    """The query string, validated by model, as the handler's `query` argument."""

    def decorator(handler):
        @wraps(handler)
        async def wrapper(*args, **kwargs):
            # A repeated name arrives as a list, which no field accepts.
            values = {
                name: items[0] if len(items) == 1 else items for name, items in request.args.lists()
            }
            return await handler(*args, query=load(model, values), **kwargs)

        return document_querystring(model)(wrapper)

    return decorator


def answers(model, status: int = 200):
    """Documents the answer for status. It is not re-validated on every request: after a
    payment has committed, a representation that drifted from its model must not turn the
    shopper's success into a 500. The fuzz test (tests/integration/test_api_fuzz.py) and
    the API tests check every answer against these models instead."""
    return document_response(model, status)


def errors(*statuses: int):
    """Error statuses this route may answer, besides 400, 503, 401 (authenticated routes)
    and 404 (routes with a path parameter)."""

    def decorator(handler):
        setattr(handler, ERRORS_ATTRIBUTE, statuses)
        return handler

    return decorator


RAW_BODY_ATTRIBUTE = "_checkout_raw_body"


def raw_body(*content_types: str):
    """Documents a body that is a file rather than JSON (a logo upload): the handler reads
    it with request.get_data()."""

    def decorator(handler):
        setattr(handler, RAW_BODY_ATTRIBUTE, content_types)
        return handler

    return decorator


def authenticated(handler):
    return security_scheme(BEARER)(handler)


class CheckoutOpenAPI(OpenAPIProvider):
    """Only the JSON API (pages are HTML), and every error status documented."""

    def generate_rules(self):
        for rule in super().generate_rules():
            if rule.rule.startswith("/api/v1/"):
                yield rule

    def schema(self):
        document = super().schema()
        definition = TypeAdapter(schemas.Error).json_schema(
            ref_template=REF_TEMPLATE, mode="serialization"
        )
        document["components"]["schemas"].update(definition.pop("$defs", {}))
        document["components"]["schemas"]["Error"] = definition
        return document

    def build_paths(self, rule):
        paths, components = super().build_paths(rule)
        func = self._app.view_functions[rule.endpoint]
        statuses = {400, 503, *getattr(func, ERRORS_ATTRIBUTE, ())}
        if getattr(func, "_quart_schema_security_tag", None):
            statuses.update((401, 403))  # 403 account_frozen: the operator froze the account
        if rule.arguments:
            statuses.add(404)
        raw = getattr(func, RAW_BODY_ATTRIBUTE, ())
        for operations in paths.values():
            for operation in operations.values():
                if raw:
                    binary = {"schema": {"type": "string", "format": "binary"}}
                    operation["requestBody"] = {
                        "required": True,
                        "content": {content_type: binary for content_type in raw},
                    }
                # str keys: quart-schema uses ints, and sorted JSON needs one key type.
                responses = {str(code): answer for code, answer in operation["responses"].items()}
                for status in sorted(statuses):
                    responses[str(status)] = {
                        "description": ERROR_DESCRIPTIONS[status],
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                        },
                    }
                operation["responses"] = responses
        return paths, components


def init_openapi(app) -> None:
    """GET /openapi.json; no docs UI (they load scripts from a CDN, which the CSP forbids)."""
    QuartSchema(
        app,
        openapi_path="/openapi.json",
        swagger_ui_path=None,
        redoc_ui_path=None,
        scalar_ui_path=None,
        convert_casing=False,
        # exclude_unset: a field the representation leaves out stays out (not null).
        pydantic_dump_options={"by_alias": True, "exclude_unset": True},
        openapi_provider_class=CheckoutOpenAPI,
        info={
            "title": "Checkout API",
            "version": "1",
            "description": "Payment sessions, payments, refunds, withdrawals, payment "
            "links, API keys and webhooks. Authenticated routes take "
            "Authorization: Bearer with a login token (POST "
            "/api/v1/org/login) or a secret API key (sk_...). Unknown "
            "parameters are refused.",
        },
        security_schemes={
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearer_format": "JWT or sk_... API key",
            }
        },
    )
