"""The app's one JSON encoding, for every answer, stored replay, event and cached copy.

Pure (no Quart): storage and services use it as well as the web layer. Decimal is written
as a JSON number (12.50, never "12.50" or a float), datetimes as ISO-8601 UTC strings,
ObjectIds as strings; anything else unknown is a TypeError, never a silent str().
Non-ASCII is written as \\u escapes, so even a lone surrogate cannot break the UTF-8 of a
body, and keys are sorted, so the same value always gives the same text.
"""

import json
from datetime import datetime
from decimal import Decimal

import simplejson
from bson import ObjectId


def _default(value):
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, ObjectId):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value, *, indent: int | None = None) -> str:
    return simplejson.dumps(
        value,
        use_decimal=True,
        default=_default,
        sort_keys=True,
        ensure_ascii=True,
        separators=(",", ": ") if indent else (",", ":"),
        indent=indent,
    )


def _reject_constant(name):
    raise ValueError(f"{name} is not a valid JSON number")


def loads(raw):
    """JSON text -> Python, with every number that has a point or exponent as a Decimal."""
    return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
