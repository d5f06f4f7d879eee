"""Secret API keys over the JSON API: create (shown once), list, revoke."""
from quart import Blueprint, g, jsonify

from ... import validation
from ...services import api_keys
from .. import context
from .auth import account_required
from .idempotency import idempotent
from .parsing import optional_json_body
from ...representations import timestamp

blueprint = Blueprint("keys", __name__, url_prefix="/api/v1/keys")


def key_json(doc: dict) -> dict:
    return {
        "id": str(doc["_id"]),
        "label": doc["label"],
        "prefix": doc["prefix"],
        "createdAt": timestamp(doc["created_at"]),
        "lastUsedAt": timestamp(doc.get("last_used_at")),
        "revokedAt": timestamp(doc.get("revoked_at")),
    }


@blueprint.post("")
@account_required
@idempotent
async def create_key():
    data = await optional_json_body()
    label = validation.text(data, "label", required=False, max_length=60)
    doc, secret = await api_keys.create_key(context(), g.account, label,
                                            by_api_key=g.by_api_key)
    return jsonify({**key_json(doc), "secret": secret}), 201


@blueprint.get("")
@account_required
async def list_keys():
    found = await api_keys.list_keys(context(), g.account)
    return jsonify({"data": [key_json(doc) for doc in found]})


@blueprint.delete("/<key_id>")
@account_required
async def revoke_key(key_id):
    doc = await api_keys.revoke_key(context(), g.account, key_id)
    return jsonify(key_json(doc))
