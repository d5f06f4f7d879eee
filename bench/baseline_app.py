"""The HTTP baseline: a bare Quart app answering a tiny JSON GET, served by the same Hypercorn
settings as the gateway. The gateway's checkout page is measured against it."""

from quart import Quart, jsonify

app = Quart(__name__)


@app.get("/ping")
async def ping():
    return jsonify({"status": "ok"})
