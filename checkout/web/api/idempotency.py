"""Idempotency-Key support for POSTs that create things (Stripe's semantics): the first
response is kept 24 h and replayed; the same key with other parameters is refused."""

import hashlib
import logging
from functools import wraps

from quart import Response, g, make_response, request

from ...errors import (
    CheckoutError,
    IdempotencyInFlight,
    IdempotencyMismatch,
    InvalidRequest,
)
from ...jsonenc import dumps, loads
from ...services import utcnow
from ...storage import idempotency as store
from ...stores import STORE_ERRORS
from .. import context
from ..errors import checkout_error_response
from ..json import parse

log = logging.getLogger(__name__)

# Answers that say "not now" rather than "this is the outcome": 429 (a rate limit or the
# per-address PIN limit) and 423 (a wallet locked for a while). Stripe saves no result for
# these either, so a retry after the wait runs the request for real.
RETRYABLE = {423, 429}


def idempotent(handler=None, *, one_time: tuple[str, ...] = ()):
    """Use below account_required: keys are scoped to the calling account.

    one_time names answer fields shown once (a PIN, an API key, a webhook secret): the kept
    answer holds null in their place, so no secret sits in clear in the idempotency store,
    and a replay answers null for them (reset or rotate if the first answer was lost)."""
    if handler is None:
        return lambda view: idempotent(view, one_time=one_time)

    @wraps(handler)
    async def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        g.idempotency_key = None
        if key is None:
            return await handler(*args, **kwargs)
        if not 1 <= len(key) <= 255 or not key.isprintable():
            raise InvalidRequest("Idempotency-Key must be 1 to 255 printable characters")
        db = context().db
        key_id = g.idempotency_key = f"{g.account['_id']}:{key}"
        fingerprint = await _fingerprint()
        existing = await store.claim_key(db, key_id, fingerprint, utcnow())
        if existing is not None:
            if existing["fingerprint"] != fingerprint:
                raise IdempotencyMismatch()
            if existing["state"] != "done":
                raise IdempotencyInFlight()
            return Response(
                existing["body"],
                status=existing["status"],
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            try:
                response = await make_response(await handler(*args, **kwargs))
            except CheckoutError as error:
                if error.status >= 500:
                    raise
                # The same answer the error handler gives, so a replay is byte for byte
                # what the first caller got.
                response = await make_response(await checkout_error_response(error))
            # make_response may type a Werkzeug response too; our handlers never return one.
            assert isinstance(response, Response)
            if response.status_code >= 500 or response.status_code in RETRYABLE:
                await _release(db, key_id)
                return response
            await store.save_response(
                db,
                key_id,
                response.status_code,
                _without_secrets(await response.get_data(as_text=True), one_time),
            )
        except BaseException:
            # Anything at all, even writing or saving the answer: a key left in flight
            # would answer 409 to every retry until IN_FLIGHT_TIMEOUT.
            await _release(db, key_id)
            raise
        return response

    return wrapper


def _without_secrets(body: str, one_time: tuple[str, ...]) -> str:
    if not one_time:
        return body
    answer = loads(body)
    if not isinstance(answer, dict) or not any(answer.get(name) for name in one_time):
        return body  # an error answer: nothing secret in it
    return dumps({**answer, **{name: None for name in one_time if name in answer}})


async def _release(db, key_id: str) -> None:
    try:
        await store.release_key(db, key_id)
    except STORE_ERRORS as exc:  # the first failure is the one to report
        log.warning(
            "could not release idempotency key (%s); it frees itself after %s",
            type(exc).__name__,
            store.IN_FLIGHT_TIMEOUT,
        )


async def _fingerprint() -> str:
    raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    try:
        body = dumps(parse(raw))  # sorted keys: the same parameters in any order match
    except (ValueError, RecursionError):
        body = raw.decode("utf-8", "replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()
