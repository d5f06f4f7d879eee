"""The one place where errors become HTTP answers: JSON under /api, pages elsewhere."""

import logging

from pydantic import ValidationError
from quart import Response, g, jsonify, render_template, request
from quart_schema import RequestSchemaValidationError
from werkzeug.exceptions import HTTPException

from ..errors import CheckoutError, StoreUnavailable
from ..stores import STORE_ERRORS

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz", "/metrics")


async def error_response(status: int, code: str, message: str, details: dict | None = None):
    """The request id goes in the body too: it is what a merchant quotes to support."""
    request_id = g.get("request_id")
    response: Response | str  # JSON, or the rendered error page
    if wants_json():
        response = jsonify(
            {
                "error": {
                    "code": code,
                    "message": message,
                    **(details or {}),
                    "requestId": request_id,
                }
            }
        )
    else:
        response = await render_template(
            "errors/error.html",
            status=status,
            code=code,
            message=message,
            request_id=request_id,
        )
    return response, status


async def checkout_error_response(error: CheckoutError):
    response, status = await error_response(error.status, error.code, error.message, error.details)
    headers = {}
    if "retry_after" in error.details:
        headers["Retry-After"] = str(error.details["retry_after"])
    return response, status, headers


def register_error_handlers(app) -> None:
    @app.errorhandler(CheckoutError)
    async def checkout_error(error: CheckoutError):
        return await checkout_error_response(error)

    @app.errorhandler(RequestSchemaValidationError)
    async def schema_error(error: RequestSchemaValidationError):
        # quart-schema's own validators (the API's handlers use contract.body/query, which
        # raise InvalidRequest themselves): the same 400 invalid_request naming the fields.
        from .api.contract import invalid_request

        cause = error.validation_error
        if isinstance(cause, ValidationError):
            return await checkout_error_response(invalid_request(cause))
        return await error_response(400, "invalid_request", str(cause) or "The request is invalid.")

    @app.errorhandler(HTTPException)
    async def http_error(error: HTTPException):
        status = error.code or 500
        code = HTTP_CODES.get(status, "http_error")
        return await error_response(status, code, error.description or error.name)

    @app.errorhandler(Exception)
    async def unexpected_error(error: Exception):
        if isinstance(error, STORE_ERRORS):
            log.warning("store unavailable: %s", type(error).__name__)
            failure = StoreUnavailable()
            return await error_response(503, failure.code, failure.message)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return await error_response(
            500,
            "internal_error",
            "Something went wrong on our side. Nothing was charged twice;"
            " try again, and contact support if it persists.",
        )
