from quart import request

from ...errors import InvalidJSON
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
