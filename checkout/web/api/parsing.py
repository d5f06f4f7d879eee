from quart import request

from ...errors import InvalidJSON, InvalidRequest
from ..json import parse


async def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    raw = await request.get_data()
    if not raw.strip():
        raise InvalidJSON("The request body must be a JSON object.")
    try:
        data = parse(raw)
    except (ValueError, RecursionError):
        raise InvalidJSON() from None
    if not isinstance(data, dict):
        raise InvalidJSON("The request body must be a JSON object.")
    return data


async def optional_json_body() -> dict:
    raw = await request.get_data()
    return await json_body() if raw.strip() else {}


def query_int(name: str, default: int) -> int:
    value = request.args.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidRequest(f"{name} must be a whole number", field=name) from None
