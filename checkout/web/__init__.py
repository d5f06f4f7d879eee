"""HTTP layer: thin handlers that parse, call a service and answer."""
from quart import current_app

from ..services import Context


def context() -> Context:
    return current_app.extensions["checkout"]
