from quart import Blueprint, g, jsonify

from ... import validation
from ...services import webhooks
from .. import context
from .auth import account_required
from .idempotency import idempotent
from .parsing import json_body
from ...representations import timestamp

blueprint = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")


def endpoint_json(endpoint: dict) -> dict:
    return {
        "id": endpoint["_id"],
        "url": endpoint["url"],
        "events": endpoint["events"],
        "description": endpoint.get("description"),
        "createdAt": timestamp(endpoint["created_at"]),
    }


def attempt_json(attempt: dict) -> dict:
    return {
        "number": attempt["number"],
        "startedAt": timestamp(attempt["started_at"]),
        "succeeded": attempt["succeeded"],
        "statusCode": attempt["status_code"],
        "error": attempt["error"],
        "durationMs": attempt["duration_ms"],
        "responseExcerpt": attempt["response_excerpt"],
    }


def delivery_json(delivery: dict) -> dict:
    return {
        "id": delivery["_id"],
        "eventId": delivery["event_id"],
        "eventType": delivery["event_type"],
        "endpointId": delivery["endpoint_id"],
        "status": delivery["state"],
        "attemptCount": delivery.get("attempt_count", 0),
        "nextAttemptAt": (timestamp(delivery["next_attempt_at"])
                          if delivery["state"] == "pending" else None),
        "deliveredAt": timestamp(delivery.get("delivered_at")),
        "failedAt": timestamp(delivery.get("failed_at")),
        "createdAt": timestamp(delivery["created_at"]),
        "attempts": [attempt_json(a) for a in delivery.get("attempts", [])],
    }


@blueprint.post("")
@account_required
@idempotent
async def create_endpoint():
    data = await json_body()
    endpoint, secret = await webhooks.create_endpoint(
        context(), g.account, data.get("url"), data.get("events"),
        description=validation.text(data, "description", required=False, max_length=200),
    )
    # The signing secret is shown this once; GET never returns it.
    return jsonify({**endpoint_json(endpoint), "secret": secret}), 201


@blueprint.get("")
@account_required
async def list_endpoints():
    found = await webhooks.list_endpoints(context(), g.account)
    return jsonify({"data": [endpoint_json(e) for e in found]})


@blueprint.delete("/<endpoint_id>")
@account_required
async def delete_endpoint(endpoint_id):
    endpoint = await webhooks.delete_endpoint(context(), g.account, endpoint_id)
    return jsonify({"id": endpoint["_id"], "deleted": True})


@blueprint.get("/<endpoint_id>/deliveries")
@account_required
async def list_deliveries(endpoint_id):
    found = await webhooks.deliveries_for_endpoint(context(), g.account, endpoint_id)
    return jsonify({"data": [delivery_json(d) for d in found]})


@blueprint.get("/deliveries/<delivery_id>")
@account_required
async def read_delivery(delivery_id):
    delivery = await webhooks.delivery_for_owner(context(), g.account, delivery_id)
    return jsonify(delivery_json(delivery))


@blueprint.post("/deliveries/<delivery_id>/redeliver")
@account_required
async def redeliver(delivery_id):
    delivery = await webhooks.redeliver(context(), g.account, delivery_id)
    return jsonify(delivery_json(delivery)), 202
