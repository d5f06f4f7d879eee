"""HTTP layer: thin handlers that parse, call a service and answer."""

from quart import current_app, request

from ..services import Context


def context() -> Context:
    return current_app.extensions["checkout"]


def client_ip() -> str:
    """The TCP peer, or the address the trusted proxies saw (TRUSTED_PROXY_HOPS)."""
    hops = context().settings.trusted_proxy_hops
    if hops > 0:
        forwarded = [
            a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"
