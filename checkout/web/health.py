from quart import Blueprint, jsonify

from ..stores import ping
from . import context

blueprint = Blueprint("health", __name__)


@blueprint.get("/healthz")
async def healthz():
    status = await ping(context().stores)
    failing = [name for name, state in status.items() if state != "ok"]
    if failing:
        return jsonify({"status": "unavailable", "failing": failing, "stores": status}), 503
    return jsonify({"status": "ok", "stores": status})
