"""Checks for untrusted input. Pure: raise InvalidRequest naming the field.

Type checks matter as much as values: a JSON object where a string belongs (such as
{"$ne": null}) must never reach a MongoDB filter.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .errors import InvalidRequest

EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def require_fields(data: Mapping[str, Any], names: tuple[str, ...]) -> None:
    missing = [n for n in names if data.get(n) is None]
    if missing:
        raise InvalidRequest(
            f"Missing required field{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
            fields=missing,
        )


def text(
    data: Mapping[str, Any],
    name: str,
    *,
    required: bool = True,
    max_length: int = 200,
    min_length: int = 1,
) -> str | None:
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
    if any(ord(c) < 32 and c not in "\t\n" for c in value) or not encodable(value):
        raise InvalidRequest(f"{name} contains control characters or invalid text", field=name)
    return value


def encodable(value: str) -> bool:
    """False for strings with lone surrogates, which MongoDB (UTF-8) cannot store."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def email(data: Mapping[str, Any], name: str = "email", required: bool = True) -> str | None:
    value = text(data, name, required=required, max_length=254)
    if value is None:
        return None
    if not EMAIL_PATTERN.match(value):
        raise InvalidRequest(f"{name} is not a valid email address", field=name)
    return value.lower()


def password(
    data: Mapping[str, Any], name: str = "password", required: bool = True, *, new: bool = True
) -> str | None:
    """A password field. A new one must be 8 to 256 characters; one typed to sign in or to
    confirm a change (new=False) only has to be text argon2 can hash, so that a wrong one
    answers 401 like any other wrong password. Either way a lone surrogate, which cannot be
    encoded as UTF-8 for argon2, is refused here rather than crashing the hasher."""
    value = data.get(name)
    if value is None and not required:
        return None
    if value is None:
        raise InvalidRequest(f"Missing required field: {name}", fields=[name])
    if not isinstance(value, str):
        raise InvalidRequest(f"{name} must be a string", field=name)
    if new and not 8 <= len(value) <= 256:
        raise InvalidRequest(f"{name} must be 8 to 256 characters long", field=name)
    if len(value) > 256:
        raise InvalidRequest(f"{name} must be at most 256 characters long", field=name)
    if not encodable(value):
        raise InvalidRequest(f"{name} contains invalid text", field=name)
    return value


HOST_PATTERN = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|[0-9a-f:.]+)$")


def url(data: Mapping[str, Any], name: str) -> str | None:
    """An absolute http(s) URL that is safe to put in a Location or CSP header: no
    whitespace or control characters, and a host made of host-name characters only."""
    value = text(data, name, required=False, max_length=2048)
    if value is None:
        return None
    problem = f"{name} must be an absolute http(s) URL"
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise InvalidRequest(f"{name} must not contain spaces or control characters", field=name)
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port
    except ValueError:
        raise InvalidRequest(problem, field=name) from None
    if parts.scheme not in ("http", "https") or not host or not HOST_PATTERN.match(host):
        raise InvalidRequest(problem, field=name)
    return value


def metadata(data: Mapping[str, Any], name: str = "metadata") -> dict[str, str]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest(f"{name} must be an object of string values", field=name)
    if len(value) > 20:
        raise InvalidRequest(f"{name} may have at most 20 keys", field=name)
    clean: dict[str, str] = {}
    for key, item in value.items():
        if (
            not 1 <= len(key) <= 40
            or key.startswith("$")
            or "." in key
            or any(ord(c) < 32 for c in key)
            or not encodable(key)
        ):
            raise InvalidRequest(
                f"{name} keys are 1 to 40 characters, without '$' at the start or '.'",
                field=name,
            )
        if not isinstance(item, str) or len(item) > 500 or not encodable(item):
            raise InvalidRequest(
                f"{name} values must be strings of at most 500 characters", field=name
            )
        clean[key] = item
    return clean
