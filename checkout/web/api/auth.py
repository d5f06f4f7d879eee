from functools import wraps

from quart import g, request

from ...errors import AccountFrozen, Unauthenticated
from ...services import accounts, api_keys
from .. import context
from .contract import ERRORS_ATTRIBUTE, authenticated


def _bearer_account(handler, *, merchants_only: bool):
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
        if merchants_only:
            accounts.require_merchant(g.account)
        return await handler(*args, **kwargs)

    if merchants_only:  # documented: a personal account is answered 403 merchant_only
        setattr(wrapper, ERRORS_ATTRIBUTE, (*getattr(handler, ERRORS_ATTRIBUTE, ()), 403))
    return authenticated(wrapper)


def account_required(handler):
    """Bearer authentication with a login JWT or a secret API key (sk_...) of a merchant
    account: the caller's account is in g.account for the handler, g.by_api_key tells which
    of the two it used. A personal (individual) account answers 403 merchant_only: every
    route is for merchants unless it says otherwise (any_account_required)."""
    return _bearer_account(handler, merchants_only=True)


def any_account_required(handler):
    """Like account_required, for the few routes a personal wallet account may use too
    (its profile, its wallets, its transactions)."""
    return _bearer_account(handler, merchants_only=False)
