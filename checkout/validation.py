"""Checks for untrusted input. Pure: raise InvalidRequest naming the field.

Type checks matter as much as values: a JSON object where a string belongs (such as
{"$ne": null}) must never reach a MongoDB filter.
"""
import re
from urllib.parse import urlsplit

from .errors import InvalidRequest

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def require_fields(data: dict, names: tuple[str, ...]) -> None:
    missing = [n for n in names if data.get(n) is None]
    if missing:
        raise InvalidRequest(
            f"Missing required field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
            fields=missing,
        )


def text(data: dict, name: str, *, required: bool = True, max_length: int = 200,
         min_length: int = 1) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"Missing required field: {name}", fields=[name])
        return None
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    value = value.strip()
    if len(value) < min_length:
        raise InvalidRequest(f"{name} must not be empty", field=name)
    if len(value) > max_length:
        raise InvalidRequest(f"{name} must be at most {max_length} characters", field=name)
    if any(ord(c) < 32 and c not in "\t\n" for c in value):
        raise InvalidRequest(f"{name} contains control characters", field=name)
    return value


def email(data: dict, name: str = "email", required: bool = True) -> str | None:
    value = text(data, name, required=required, max_length=254)
    if value is None:
        return None
    if not EMAIL_PATTERN.match(value):
        raise InvalidRequest(f"{name} is not a valid email address", field=name)
    return value.lower()


def password(data: dict, name: str = "password", required: bool = True) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if value is None:
        raise InvalidRequest(f"Missing required field: {name}", fields=[name])
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    if not 8 <= len(value) <= 256:
        raise InvalidRequest(f"{name} must be 8 to 256 characters long", field=name)
    return value


def url(data: dict, name: str) -> str | None:
    value = text(data, name, required=False, max_length=2048)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidRequest(f"{name} must be an absolute http(s) URL", field=name)
    return value


def metadata(data: dict, name: str = "metadata") -> dict:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object of string values", field=name)
    if len(value) > 20:
        raise InvalidRequest(f"{name} may have at most 20 keys", field=name)
    clean = {}
    for key, item in value.items():
        if not 1 <= len(key) <= 40 or key.startswith("$") or "." in key:
            raise InvalidRequest(
                f"{name} keys are 1 to 40 characters, without '$' at the start or '.'",
                field=name,
            )
        if not isinstance(item, str) or len(item) > 500:
            raise InvalidRequest(f"{name} values must be strings of at most 500 characters",
                                 field=name)
        clean[key] = item
    return clean
