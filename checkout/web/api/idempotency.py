"""Idempotency-Key support for POSTs that create things (Stripe's semantics): the first
response is kept 24 h and replayed; the same key with other parameters is refused."""
import hashlib
import json
from functools import wraps

import simplejson
from quart import Response, g, make_response, request

from ...errors import (
    CheckoutError,
    IdempotencyInFlight,
    IdempotencyMismatch,
    InvalidRequest,
)
from ...services import utcnow
from ...storage import idempotency as store
from .. import context
from ..errors import error_body
from ..json import parse


def idempotent(handler):
    """Use below account_required: keys are scoped to the calling account."""

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
                existing["body"], status=existing["status"], content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            response = await make_response(await handler(*args, **kwargs))
        except CheckoutError as error:
            if error.status >= 500:
                await store.release_key(db, key_id)
                raise
            body = json.dumps(error_body(error))
            await store.save_response(db, key_id, error.status, body)
            return Response(body, status=error.status, content_type="application/json")
        except BaseException:
            await store.release_key(db, key_id)
            raise
        if response.status_code >= 500:
            await store.release_key(db, key_id)
        else:
            await store.save_response(
                db, key_id, response.status_code, await response.get_data(as_text=True)
            )
        return response

    return wrapper


async def _fingerprint() -> str:
    raw = await request.get_data()
    try:
        body = simplejson.dumps(parse(raw), sort_keys=True, use_decimal=True)
    except (ValueError, RecursionError):
        body = raw.decode("utf-8", "replace")
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()
