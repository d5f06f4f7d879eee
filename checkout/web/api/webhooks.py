from quart import Blueprint, g

from ...representations import timestamp
from ...services import utcnow, webhooks
from .. import context
from .auth import account_required
from .contract import answers, body, errors, query
from .events import event_json
from .idempotency import idempotent
from .schemas import (
    Deleted,
    Deliveries,
    Delivery,
    Event,
    NewWebhook,
    NewWebhookEndpoint,
    NoParameters,
    WebhookChange,
    WebhookEndpoint,
    WebhookEndpoints,
)

blueprint = Blueprint("webhooks", __name__, url_prefix="/api/v1/webhooks")


def endpoint_json(endpoint: dict) -> dict:
    return {
        "id": endpoint["_id"],
        "url": endpoint["url"],
        "events": endpoint["events"],
        "description": endpoint.get("description"),
        "enabled": webhooks.is_enabled(endpoint),
        "previousSecretExpiresAt": timestamp(webhooks.overlap_ends(endpoint, utcnow())),
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
        "nextAttemptAt": (
            timestamp(delivery["next_attempt_at"]) if delivery["state"] == "pending" else None
        ),
        "deliveredAt": timestamp(delivery.get("delivered_at")),
        "failedAt": timestamp(delivery.get("failed_at")),
        "createdAt": timestamp(delivery["created_at"]),
        "attempts": [attempt_json(a) for a in delivery.get("attempts", [])],
    }


@blueprint.post("")
@account_required
@idempotent(one_time=("secret",))
@errors(409, 422)
@answers(NewWebhookEndpoint, 201)
@body(NewWebhook)
async def create_endpoint(data: NewWebhook):
    """A URL that receives signed events (the signing secret is shown this once)."""
    endpoint, secret = await webhooks.create_endpoint(
        context(),
        g.account,
        data.url,
        data.events,
        description=data.description,
    )
    return {**endpoint_json(endpoint), "secret": secret}, 201


@blueprint.get("")
@account_required
@answers(WebhookEndpoints)
@query(NoParameters)
async def list_endpoints(query: NoParameters):
    found = await webhooks.list_endpoints(context(), g.account)
    return {"data": [endpoint_json(e) for e in found]}


@blueprint.patch("/<endpoint_id>")
@account_required
@answers(WebhookEndpoint)
@body(WebhookChange)
async def update_endpoint(endpoint_id, data: WebhookChange):
    """Change url (checked like on create), events, description or enabled."""
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    endpoint = await webhooks.update_endpoint(context(), g.account, endpoint_id, **changes)
    return endpoint_json(endpoint)


@blueprint.post("/<endpoint_id>/rotate-secret")
@account_required
@idempotent(one_time=("secret",))
@answers(NewWebhookEndpoint)
@body(NoParameters, optional=True)
async def rotate_secret(endpoint_id, data: NoParameters):
    """A new signing secret (shown this once); the old one also signs for 24 hours."""
    endpoint, secret = await webhooks.rotate_secret(context(), g.account, endpoint_id)
    return {**endpoint_json(endpoint), "secret": secret}


@blueprint.post("/<endpoint_id>/test")
@account_required
@errors(409)
@answers(Event, 202)
@body(NoParameters, optional=True)
async def send_test(endpoint_id, data: NoParameters):
    """Send a signed ping event to this endpoint only (202: the worker delivers it)."""
    event = await webhooks.send_test(context(), g.account, endpoint_id)
    return event_json(event), 202


@blueprint.delete("/<endpoint_id>")
@account_required
@answers(Deleted)
async def delete_endpoint(endpoint_id):
    endpoint = await webhooks.delete_endpoint(context(), g.account, endpoint_id)
    return {"id": endpoint["_id"], "deleted": True}


@blueprint.get("/<endpoint_id>/deliveries")
@account_required
@answers(Deliveries)
@query(NoParameters)
async def list_deliveries(endpoint_id, query: NoParameters):
    found = await webhooks.deliveries_for_endpoint(context(), g.account, endpoint_id)
    return {"data": [delivery_json(d) for d in found]}


@blueprint.get("/deliveries/<delivery_id>")
@account_required
@answers(Delivery)
async def read_delivery(delivery_id):
    delivery = await webhooks.delivery_for_owner(context(), g.account, delivery_id)
    return delivery_json(delivery)


@blueprint.post("/deliveries/<delivery_id>/redeliver")
@account_required
@errors(409)
@answers(Delivery, 202)
async def redeliver(delivery_id):
    """Send the event again now (202: the worker delivers it)."""
    delivery = await webhooks.redeliver(context(), g.account, delivery_id)
    return delivery_json(delivery), 202
