from functools import wraps

from quart import g, request

from ...errors import Unauthenticated
from ...services import accounts
from .. import context


def account_required(handler):
    """Bearer authentication: the caller's account is in g.account for the handler."""

    @wraps(handler)
    async def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("Send the header Authorization: Bearer <token>.")
        g.account = await accounts.authenticate_token(context(), token.strip())
        return await handler(*args, **kwargs)

    return wrapper
