"""Webhook endpoints and delivery: signed POSTs, retried with backoff for about 3 days.

Delivery is at least once and may be out of order: receivers de-duplicate on the event id.
"""

import asyncio
import ipaddress
import logging
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx

from .. import metrics, validation
from ..errors import (
    DeliveryNotFound,
    EventNotFound,
    InvalidRequest,
    WebhookDisabled,
    WebhookLimitReached,
    WebhookNotFound,
)
from ..statuses import DeliveryState
from ..storage import events as event_store
from ..storage import webhooks as store
from ..webhook_signature import HEADER, sign
from . import Context, owned_by, utcnow
from .events import EVENT_TYPES, PING, record_ping

log = logging.getLogger(__name__)

MAX_ENDPOINTS = 16
# After a rotation the replaced secret keeps signing (a second v1) this long, so receivers
# can switch to the new one without missing or refusing a delivery.
SECRET_OVERLAP = timedelta(hours=24)
EXCERPT_CHARS = 500
USER_AGENT = "Checkout-Webhooks/1.0"


def new_endpoint_id() -> str:
    return "we_" + secrets.token_hex(12)


def new_delivery_id() -> str:
    return "whd_" + secrets.token_hex(12)


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def lease_seconds(ctx: Context) -> float:
    """How long a worker may hold a delivery: its HTTP timeout plus slack for the writes."""
    return ctx.settings.webhook_timeout + 2


def retry_delay(schedule: tuple, failures: int) -> int | None:
    """Seconds to wait after the failures-th failed attempt; None when that was the last."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1]


# --- where webhooks may point ---

Resolver = Callable[[str, int], Awaitable[list[str]]]

# Addresses that carry another address inside them and reach it through a relay or a
# translator, so a public-looking IPv6 address can lead to a private IPv4 one. No webhook
# receiver needs them: refused whatever they embed.
TUNNELLED = (
    (ipaddress.ip_network("::ffff:0:0/96"), "IPv4-mapped"),
    (ipaddress.ip_network("::ffff:0:0:0/96"), "IPv4-translated"),
    (ipaddress.ip_network("::/96"), "IPv4-compatible"),
    (ipaddress.ip_network("64:ff9b::/96"), "NAT64"),
    (ipaddress.ip_network("64:ff9b:1::/48"), "NAT64"),
    (ipaddress.ip_network("2002::/16"), "6to4"),
    (ipaddress.ip_network("2001::/32"), "Teredo"),
    (ipaddress.ip_network("192.88.99.0/24"), "6to4 relay"),
)
# Not on the internet, though this Python's tables call them global.
NOT_GLOBAL = (
    ipaddress.ip_network("3fff::/20"),  # documentation (RFC 9637)
    ipaddress.ip_network("5f00::/16"),  # SRv6 segment identifiers (RFC 9602)
)
SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT


def address_kind(address: str) -> str:
    """ "public", or why a webhook may not go there: "unspecified", "loopback",
    "link-local", "multicast", "private", "reserved", or the tunnel that could lead to any
    of those ("6to4", "Teredo", "NAT64", "IPv4-mapped", ...). Pure."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    for network, kind in TUNNELLED:
        if ip.version == network.version and ip in network:
            return kind
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved or any(ip.version == n.version and ip in n for n in NOT_GLOBAL):
        return "reserved"
    if ip.is_private or getattr(ip, "is_site_local", False) or ip in SHARED_ADDRESS_SPACE:
        return "private"
    # The IANA special-purpose registries as this Python knows them (documentation,
    # benchmarking, protocol assignments ...).
    return "public" if ip.is_global else "reserved"


def is_public_address(address: str) -> bool:
    return address_kind(address) == "public"


def check_url_shape(url) -> str:
    """An absolute http(s) URL without credentials; pure."""
    value = validation.url({"url": url}, "url")
    if value is None:
        raise InvalidRequest("Missing required field: url", fields=["url"])
    parts = urlsplit(value)
    if parts.username is not None or parts.password is not None:
        raise InvalidRequest("url must not contain credentials", field="url")
    try:
        _ = parts.port  # reading it is the check: it raises for a port out of range
    except ValueError:
        raise InvalidRequest("url has an invalid port", field="url") from None
    if not parts.hostname:
        raise InvalidRequest("url must name a host", field="url")
    return value


async def system_resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # An AF_INET or AF_INET6 address: (host, port, ...), the host a str.
    return [str(info[4][0]) for info in infos]


def _parse(url: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except httpx.InvalidURL:
        raise InvalidRequest("url must be an absolute http(s) URL", field="url") from None


async def resolve_target(
    url: str, allow_private: bool, resolve: Resolver = system_resolve
) -> list[str]:
    """The addresses a request to url may be sent to, in the resolver's order. Every one
    must be public (SSRF) unless allow_private. Callers connect to these addresses and
    never look the host up again, so an answer that changes after this check (DNS
    rebinding) cannot steer a request inside our network."""
    target = _parse(url)
    host = target.raw_host.decode("ascii")
    try:
        addresses = list(
            dict.fromkeys(
                await resolve(host, target.port or (443 if target.scheme == "https" else 80))
            )
        )
    except (OSError, UnicodeError):  # socket.gaierror is an OSError
        addresses = []
    if not addresses:
        raise InvalidRequest(f"url host {host} does not resolve", field="url")
    if not allow_private:
        kinds = ", ".join(sorted({address_kind(a) for a in addresses} - {"public"}))
        if kinds:
            raise InvalidRequest(
                "url must point to a public internet address, not a private, loopback, "
                f"link-local, reserved or tunnelled one (it resolves to {kinds} addresses)",
                field="url",
            )
    return addresses


async def check_target(url: str, allow_private: bool, resolve: Resolver = system_resolve) -> None:
    """Refuse targets inside our network when an endpoint is created. Skipped when
    WEBHOOK_ALLOW_PRIVATE_TARGETS=1 (local runs and tests); each request checks again."""
    if not allow_private:
        await resolve_target(url, allow_private, resolve)


def check_event_types(value) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > len(EVENT_TYPES) + 1:
        raise InvalidRequest(
            f"events must be a non-empty list of event types ({', '.join(EVENT_TYPES)}) "
            'or ["*"] for all',
            field="events",
        )
    chosen = []
    for item in value:
        if not isinstance(item, str) or (item != "*" and item not in EVENT_TYPES):
            raise InvalidRequest(f"unknown event type {str(item)[:60]!r}", field="events")
        if item not in chosen:
            chosen.append(item)
    return chosen


# --- endpoints ---


async def create_endpoint(ctx: Context, account: dict, url, events, description=None):
    """Returns (endpoint, secret): the secret is shown to the merchant this once."""
    url = check_url_shape(url)
    events = check_event_types(events)
    await check_target(url, ctx.settings.webhook_allow_private_targets)
    if await store.count_endpoints(ctx.db, account["_id"]) >= MAX_ENDPOINTS:
        raise WebhookLimitReached(f"An account may have at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_signing_secret()
    doc = {
        "_id": new_endpoint_id(),
        "account_id": account["_id"],
        "url": url,
        "events": events,
        "description": description,
        # Kept readable: every delivery is signed with it (like Stripe's signing secrets).
        "secret": secret,
        "enabled": True,
        "created_at": utcnow(),
    }
    await store.insert_endpoint(ctx.db, doc)
    return doc, secret


async def list_endpoints(ctx: Context, account: dict) -> list[dict]:
    return await store.list_endpoints(ctx.db, account["_id"])


async def endpoint_for_owner(ctx: Context, account: dict, endpoint_id) -> dict:
    endpoint = await store.find_endpoint(ctx.db, endpoint_id)
    return owned_by(endpoint, account, WebhookNotFound)


UNSET = object()


async def update_endpoint(
    ctx: Context,
    account: dict,
    endpoint_id,
    *,
    url=UNSET,
    events=UNSET,
    description=UNSET,
    enabled=UNSET,
) -> dict:
    """PATCH: only the fields given change (description None clears it). Disabling pauses
    the endpoint's pending deliveries; enabling sends them at once."""
    endpoint = await endpoint_for_owner(ctx, account, endpoint_id)
    changes: dict[str, Any] = {}
    if url is not UNSET:
        if url is None:
            raise InvalidRequest("url cannot be null", field="url")
        changes["url"] = check_url_shape(url)
    if events is not UNSET:
        if events is None:
            raise InvalidRequest("events cannot be null", field="events")
        changes["events"] = check_event_types(events)
    if description is not UNSET:
        changes["description"] = description
    if enabled is not UNSET:
        if not isinstance(enabled, bool):
            raise InvalidRequest("enabled must be true or false", field="enabled")
        changes["enabled"] = enabled
    if not changes:
        raise InvalidRequest("Nothing to change: send url, events, description or enabled.")
    if "url" in changes:
        await check_target(changes["url"], ctx.settings.webhook_allow_private_targets)
    now = utcnow()
    updated = await store.update_endpoint(ctx.db, endpoint["_id"], {**changes, "updated_at": now})
    if updated is None:
        raise WebhookNotFound()  # deleted meanwhile
    # Deliveries change after the endpoint itself: a worker that read it as disabled just
    # before it was enabled re-reads it after pausing (_pause), so no delivery stays
    # paused on an enabled endpoint.
    if changes.get("enabled") is False:
        await store.pause_deliveries(ctx.db, endpoint["_id"], now)
    elif changes.get("enabled") is True:
        await store.resume_deliveries(ctx.db, endpoint["_id"], now)
    return updated


async def rotate_secret(ctx: Context, account: dict, endpoint_id, now=None):
    """Returns (endpoint, new secret). The replaced secret keeps signing for SECRET_OVERLAP
    from now; one still overlapping from an earlier rotation stops at once. now is for
    tests (a rotation made in the past)."""
    now = now or utcnow()
    secret = new_signing_secret()
    while True:
        endpoint = await endpoint_for_owner(ctx, account, endpoint_id)
        # Conditional on the secret read: of two concurrent rotations, the second keeps
        # the first one's secret as its previous one instead of silently dropping it.
        updated = await store.update_endpoint(
            ctx.db,
            endpoint["_id"],
            {
                "secret": secret,
                "previous_secret": endpoint["secret"],
                "previous_secret_expires_at": now + SECRET_OVERLAP,
                "secret_rotated_at": now,
            },
            expected_secret=endpoint["secret"],
        )
        if updated is not None:
            return updated, secret


def overlap_ends(endpoint: dict, now):
    """When the secret replaced by the last rotation stops signing; None if it has. Pure."""
    expires = endpoint.get("previous_secret_expires_at")
    if endpoint.get("previous_secret") and expires is not None and now < expires:
        return expires
    return None


def signing_secrets(endpoint: dict, now) -> list[str]:
    """The secrets that sign a request now, newest first. Pure."""
    if overlap_ends(endpoint, now) is None:
        return [endpoint["secret"]]
    return [endpoint["secret"], endpoint["previous_secret"]]


def is_enabled(endpoint: dict) -> bool:
    return endpoint.get("enabled", True) is not False  # endpoints made before PATCH existed


async def send_test(ctx: Context, account: dict, endpoint_id) -> dict:
    """A signed ping event to this endpoint only, delivered (and logged) like any event."""
    endpoint = await endpoint_for_owner(ctx, account, endpoint_id)
    if not is_enabled(endpoint):
        raise WebhookDisabled()
    return await record_ping(ctx, account["_id"], endpoint["_id"])


async def delete_endpoint(ctx: Context, account: dict, endpoint_id) -> dict:
    endpoint = await endpoint_for_owner(ctx, account, endpoint_id)
    if not await store.delete_endpoint(ctx.db, endpoint["_id"]):
        raise WebhookNotFound()
    return endpoint


# --- deliveries ---


async def deliveries_for_endpoint(ctx: Context, account: dict, endpoint_id, limit=50):
    """Newest first, each with its attempts (oldest first) under "attempts"."""
    endpoint = await endpoint_for_owner(ctx, account, endpoint_id)
    deliveries = await store.list_deliveries(ctx.db, endpoint["_id"], limit)
    return await _with_attempts(ctx, deliveries)


async def delivery_for_owner(ctx: Context, account: dict, delivery_id) -> dict:
    delivery = await store.find_delivery(ctx.db, delivery_id)
    delivery = owned_by(delivery, account, DeliveryNotFound)
    return (await _with_attempts(ctx, [delivery]))[0]


async def redeliver(ctx: Context, account: dict, delivery_id) -> dict:
    delivery = await delivery_for_owner(ctx, account, delivery_id)
    if await store.find_endpoint(ctx.db, delivery["endpoint_id"]) is None:
        raise WebhookNotFound("The webhook endpoint of this delivery was deleted.")
    if await event_store.find_event(ctx.db, delivery["event_id"]) is None:
        raise EventNotFound("The event of this delivery is past its 30 days and was deleted.")
    await store.reschedule_now(ctx.db, delivery["_id"], utcnow())
    return await delivery_for_owner(ctx, account, delivery_id)


async def _with_attempts(ctx: Context, deliveries: list[dict]) -> list[dict]:
    attempts = await store.list_attempts(ctx.db, [d["_id"] for d in deliveries])
    by_delivery: dict[Any, list[dict]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt["delivery_id"], []).append(attempt)
    return [{**d, "attempts": by_delivery.get(d["_id"], [])} for d in deliveries]


async def fan_out(ctx: Context, event: dict, candidates: list[dict] | None = None) -> list[str]:
    """One delivery per subscribed endpoint (idempotent); returns the ids due now.
    A ping goes to the endpoint it names and nowhere else.
    candidates: the account's endpoints for this type, read once for a batch of events
    (store.endpoints_for_events); narrowed here to those that existed at the event."""
    if event["type"] == PING:
        endpoint = await store.find_endpoint(ctx.db, event.get("endpoint_id"))
        endpoints = (
            [endpoint]
            if endpoint and endpoint["account_id"] == event["account_id"] and is_enabled(endpoint)
            else []
        )
    elif candidates is None:
        endpoints = await store.endpoints_for_event(
            ctx.db, event["account_id"], event["type"], event["created_at"]
        )
    else:
        endpoints = [
            e for e in candidates if e["created_at"] <= event["created_at"] and is_enabled(e)
        ]
    now = utcnow()
    for endpoint in endpoints:
        await store.insert_delivery_once(
            ctx.db,
            {
                "_id": new_delivery_id(),
                "event_id": event["_id"],
                "event_type": event["type"],
                "endpoint_id": endpoint["_id"],
                "account_id": event["account_id"],
                "state": DeliveryState.PENDING,
                "attempt_count": 0,
                "failures": 0,
                "next_attempt_at": now,
                "lease_until": None,
                "lease_token": None,
                "created_at": now,
            },
        )
    await event_store.mark_dispatched(ctx.db, event["_id"], now)
    if not endpoints:
        # Nothing subscribed (most payments): no delivery to look for. One left by an
        # endpoint deleted since is still sent by the retries loop.
        return []
    return await store.due_delivery_ids(ctx.db, event["_id"], now)


async def claim_due(ctx: Context, delivery_id: str | None = None) -> dict | None:
    now = utcnow()
    return await store.claim_delivery(
        ctx.db,
        now,
        now + timedelta(seconds=lease_seconds(ctx)),
        secrets.token_hex(8),
        delivery_id,
    )


async def deliver(
    ctx: Context, http: httpx.AsyncClient, delivery: dict, resolve: Resolver = system_resolve
) -> str:
    """One attempt of a claimed delivery; records it and schedules what comes next.
    Returns the delivery's new state. resolve looks host names up (tests pass their own)."""
    endpoint = await store.find_endpoint(ctx.db, delivery["endpoint_id"])
    if endpoint is not None and not is_enabled(endpoint):
        return await _pause(ctx, delivery)
    event = await event_store.find_event(ctx.db, delivery["event_id"])
    started = utcnow()
    if endpoint is None or event is None:
        outcome: Outcome = {
            "status_code": None,
            "error": "endpoint deleted" if endpoint is None else "event missing",
            "duration_ms": 0,
            "response_excerpt": None,
        }
        final = True
    else:
        outcome = await _post(
            ctx,
            http,
            endpoint,
            event["payload"].encode(),
            resolve,
            signing_secrets(endpoint, started),
        )
        final = False
    succeeded = outcome["status_code"] is not None and 200 <= outcome["status_code"] < 300
    await store.insert_attempt(
        ctx.db,
        {
            "delivery_id": delivery["_id"],
            "event_id": delivery["event_id"],
            "endpoint_id": delivery["endpoint_id"],
            "account_id": delivery["account_id"],
            "number": delivery.get("attempt_count", 0) + 1,
            "started_at": started,
            "succeeded": succeeded,
            **outcome,
        },
    )
    now = utcnow()
    changes: dict[str, Any] = {
        "last_attempt_at": started,
        "last_status_code": outcome["status_code"],
        "last_error": outcome["error"],
    }
    if succeeded:
        changes.update(state=DeliveryState.SUCCEEDED, delivered_at=now)
    else:
        failures = delivery.get("failures", 0) + 1
        delay = None if final else retry_delay(ctx.settings.webhook_retry_schedule, failures)
        changes["failures"] = failures
        if delay is None:
            changes.update(state=DeliveryState.FAILED, failed_at=now)
        else:
            changes.update(
                state=DeliveryState.PENDING, next_attempt_at=now + timedelta(seconds=delay)
            )
    await store.finish_attempt(ctx.db, delivery["_id"], delivery["lease_token"], changes)
    metrics.WEBHOOK_ATTEMPTS.labels(str(changes["state"])).inc()
    log.info(
        "webhook %s for %s to %s: %s",
        delivery["_id"],
        delivery["event_id"],
        delivery["endpoint_id"],
        changes["state"],
    )
    return changes["state"]


async def _pause(ctx: Context, delivery: dict) -> str:
    """The endpoint is disabled: not sent and no failure counted; enabling resumes it."""
    await store.finish_attempt(
        ctx.db,
        delivery["_id"],
        delivery["lease_token"],
        {"state": DeliveryState.PAUSED},
        attempted=False,
    )
    # Enabled between our read and this write? Its resume ran before the pause landed:
    # undo the pause ourselves.
    endpoint = await store.find_endpoint(ctx.db, delivery["endpoint_id"])
    if endpoint is not None and is_enabled(endpoint):
        await store.resume_deliveries(ctx.db, endpoint["_id"], utcnow())
        return DeliveryState.PENDING
    log.info("webhook %s paused: endpoint %s is disabled", delivery["_id"], delivery["endpoint_id"])
    return DeliveryState.PAUSED


class Outcome(TypedDict):
    """One attempt's result, as kept on the attempt record."""

    status_code: int | None  # None: no answer (refused, timed out, connection error)
    error: str | None
    response_excerpt: str | None
    duration_ms: int


async def _post(
    ctx: Context,
    http: httpx.AsyncClient,
    endpoint: dict,
    body: bytes,
    resolve: Resolver,
    keys: list[str],
) -> Outcome:
    started = time.monotonic()
    status: int | None = None
    error: str | None = None
    excerpt: str | None = None
    try:
        # A total deadline: httpx's own timeout is per read, which a slow drip resets.
        async with asyncio.timeout(ctx.settings.webhook_timeout):
            # Checked again at send time: the host may resolve elsewhere by now.
            addresses = await resolve_target(
                endpoint["url"], ctx.settings.webhook_allow_private_targets, resolve
            )
            status, excerpt = await _send_pinned(ctx, http, endpoint, body, addresses, keys)
    except InvalidRequest as exc:
        error = f"refused: {exc.message}"
    except (httpx.TimeoutException, TimeoutError):
        error = f"timeout after {ctx.settings.webhook_timeout:g} s"
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        error = f"connection error: {type(exc).__name__}"
    return {
        "status_code": status,
        "error": error,
        "response_excerpt": excerpt,
        "duration_ms": int((time.monotonic() - started) * 1000),
    }


async def _send_pinned(
    ctx: Context,
    http: httpx.AsyncClient,
    endpoint: dict,
    body: bytes,
    addresses: list[str],
    keys: list[str],
) -> tuple[int, str]:
    """POST to the checked addresses only, in turn until one connects: the URL names the
    address, so the client does not resolve the host itself; the Host header and TLS
    (SNI, and the certificate checked against the host name) still use the host name."""
    url = _parse(endpoint["url"])
    headers = {
        "Host": url.netloc.decode("ascii"),
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        HEADER: sign(body, keys),
        # No keep-alive: the client pools connections by address, and a connection whose
        # certificate was checked for one host name must not carry another host's request.
        "Connection": "close",
    }
    for number, address in enumerate(addresses, 1):
        try:
            async with http.stream(
                "POST",
                url.copy_with(host=address),
                content=body,
                headers=headers,
                extensions={"sni_hostname": url.raw_host.decode("ascii")},
                timeout=ctx.settings.webhook_timeout,
                follow_redirects=False,  # a 3xx is a failed attempt, never a new target
            ) as response:
                received = b""
                async for chunk in response.aiter_bytes():
                    received += chunk
                    if len(received) >= EXCERPT_CHARS * 4:
                        break  # only an excerpt is kept; never read a huge answer
                return response.status_code, received.decode("utf-8", "replace")[:EXCERPT_CHARS]
        except httpx.ConnectError:
            if number == len(addresses):
                raise
    raise AssertionError("resolve_target returns at least one address")
