"""X-Request-Id: taken from the caller (or a proxy) when it is sane, made up otherwise, and
sent back on every response, errors included. Log lines carry it (checkout/logs.py)."""

import re
import secrets

from quart import g, request

from ..logs import request_id

HEADER = "X-Request-Id"
ACCEPTED = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return "req_" + secrets.token_hex(12)


def register_request_ids(app) -> None:
    @app.before_request
    async def take_request_id():
        given = request.headers.get(HEADER, "")
        g.request_id = given if ACCEPTED.match(given) else new_request_id()
        request_id.set(g.request_id)

    @app.after_request
    async def send_request_id(response):
        # A request refused before before_request ran (e.g. a malformed one) still gets one.
        response.headers[HEADER] = g.get("request_id") or new_request_id()
        return response
