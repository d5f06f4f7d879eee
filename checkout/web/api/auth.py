from functools import wraps

from quart import g, request

from ...errors import AccountFrozen, Unauthenticated
from ...services import accounts, api_keys
from .. import context
from .contract import authenticated


def account_required(handler):
    """Bearer authentication with a login JWT or a secret API key (sk_...): the caller's
    account is in g.account for the handler, g.by_api_key tells which of the two it used."""

    @wraps(handler)
    async def wrapper(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated("Send the header Authorization: Bearer <token or secret key>.")
        g.by_api_key = api_keys.looks_like_key(token)
        if g.by_api_key:
            g.account = await api_keys.authenticate_key(context(), token)
        else:
            g.account = await accounts.authenticate_token(context(), token)
        if g.account.get("frozen"):
            raise AccountFrozen()
        return await handler(*args, **kwargs)

    return authenticated(wrapper)
