"""Secret API keys over the JSON API: create (shown once), list, revoke."""

from quart import Blueprint, g

from ...representations import timestamp
from ...services import api_keys
from .. import context
from .auth import account_required
from .contract import answers, body, errors, query
from .idempotency import idempotent
from .schemas import ApiKey, ApiKeys, NewApiKey, NewKey, NoParameters

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
@idempotent(one_time=("secret",))
@errors(403, 409, 422)
@answers(NewApiKey, 201)
@body(NewKey, optional=True)
async def create_key(data: NewKey):
    """A secret key (sk_...), shown this once; only with a login token, not another key."""
    doc, secret = await api_keys.create_key(
        context(), g.account, data.label, by_api_key=g.by_api_key
    )
    return {**key_json(doc), "secret": secret}, 201


@blueprint.get("")
@account_required
@answers(ApiKeys)
@query(NoParameters)
async def list_keys(query: NoParameters):
    found = await api_keys.list_keys(context(), g.account)
    return {"data": [key_json(doc) for doc in found]}


@blueprint.delete("/<key_id>")
@account_required
@answers(ApiKey)
async def revoke_key(key_id):
    doc = await api_keys.revoke_key(context(), g.account, key_id)
    return key_json(doc)
