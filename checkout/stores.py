"""MongoDB and Redis clients: created inside the serving event loop, closed after it."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as aioredis
from pymongo import ASCENDING, DESCENDING, AsyncMongoClient
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .settings import Settings

T = TypeVar("T")

# Failures that mean "a store is down" (503), as opposed to a bug.
STORE_ERRORS = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
)


@dataclass
class Stores:
    mongo: AsyncMongoClient
    db: AsyncDatabase
    redis: aioredis.Redis

    async def in_transaction(
        self, callback: Callable[[AsyncClientSession], Coroutine[Any, Any, T]]
    ) -> T:
        """Run callback(session) in one MongoDB transaction, retried on transient errors.

        The callback may run more than once, so it must only touch MongoDB through the
        session it is given: no Redis writes, no HTTP calls.
        """
        async with self.mongo.start_session() as session:
            return await session.with_transaction(callback)

    async def close(self) -> None:
        await self.redis.aclose()
        await self.mongo.close()


async def open_stores(settings: Settings, appname: str = "checkout") -> Stores:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname=appname,
    )
    redis = aioredis.Redis.from_url(
        settings.redis_url,
        decode_responses=True,
        socket_timeout=5,
        socket_connect_timeout=5,
        health_check_interval=30,
    )
    return Stores(mongo=mongo, db=mongo[settings.mongo_db], redis=redis)


async def ensure_indexes(db: AsyncDatabase) -> None:
    """Every query on a request path has an index; unique ones guard codes and emails."""
    await db.accounts.create_index("email", unique=True)
    await db.accounts.create_index("user_code", unique=True)
    await db.wallets.create_index("code", unique=True)
    await db.wallets.create_index([("account_id", ASCENDING), ("created_at", ASCENDING)])
    await db.payment_sessions.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    await db.payment_sessions.create_index([("status", ASCENDING), ("expires_at", ASCENDING)])
    await db.transactions.create_index([("account_id", ASCENDING), ("_id", DESCENDING)])
    await db.journal.create_index("session_id", sparse=True)
    # Entries whose credits wait for the settler (storage/pending_credits.py): per wallet
    # for the balance shown and for settling one wallet before money leaves it.
    await db.journal.create_index("pending", sparse=True)
    await db.idempotency_keys.create_index("created_at", expireAfterSeconds=24 * 3600)
    # Webhooks: the outbox, endpoints, deliveries and their attempts.
    await db.events.create_index([("dispatched_at", ASCENDING), ("created_at", ASCENDING)])
    await db.events.create_index("subject", sparse=True)
    # GET /api/v1/events: the account's last 30 days, newest first, optionally one type;
    # older events are deleted (services.events.EVENT_RETENTION_DAYS).
    await db.events.create_index(
        [("account_id", ASCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)]
    )
    await db.events.create_index(
        [("account_id", ASCENDING), ("type", ASCENDING), ("created_at", DESCENDING)]
    )
    await db.events.create_index("created_at", expireAfterSeconds=30 * 24 * 3600)
    await db.webhook_endpoints.create_index([("account_id", ASCENDING), ("created_at", ASCENDING)])
    await db.webhook_deliveries.create_index(
        [("event_id", ASCENDING), ("endpoint_id", ASCENDING)], unique=True
    )
    await db.webhook_deliveries.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db.webhook_deliveries.create_index(
        [("endpoint_id", ASCENDING), ("created_at", DESCENDING)]
    )
    await db.webhook_attempts.create_index([("delivery_id", ASCENDING), ("started_at", ASCENDING)])
    # Dashboard and API keys
    await db.api_keys.create_index("hash", unique=True)
    await db.api_keys.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    await db.payment_sessions.create_index(
        [("account_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)]
    )
    await db.payment_sessions.create_index(
        [("account_id", ASCENDING), ("client_reference_id", ASCENDING)]
    )
    await db.transactions.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    await db.journal.create_index([("postings.account", ASCENDING), ("_id", DESCENDING)])
    await db.refunds.create_index([("session_id", ASCENDING), ("created_at", ASCENDING)])
    await db.withdrawals.create_index([("status", ASCENDING), ("created_at", ASCENDING)])
    # The request's Idempotency-Key travels into the money transaction: a retry that got
    # past the HTTP-level key (after a crash, say) cannot move the money twice.
    await db.withdrawals.create_index("idempotency_key", unique=True, sparse=True)
    await db.refunds.create_index("idempotency_key", unique=True, sparse=True)
    await db.payment_sessions.create_index("idempotency_key", unique=True, sparse=True)
    await db.withdrawals.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    await db.payment_links.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    # The operator console: operators by email; a top-up reference credits once.
    await db.operators.create_index("email", unique=True)
    await db.topups.create_index("reference", unique=True)
    await db.topups.create_index([("status", ASCENDING), ("created_at", DESCENDING)])


async def ping(stores: Stores) -> dict[str, str]:
    """Which store answers: {'mongodb': 'ok' | error, 'redis': 'ok' | error}."""
    status = {}
    try:
        await stores.db.command("ping")
        status["mongodb"] = "ok"
    except Exception as exc:  # any failure means "not healthy"; the message is for operators
        status["mongodb"] = type(exc).__name__
    try:
        await stores.redis.ping()
        status["redis"] = "ok"
    except Exception as exc:
        status["redis"] = type(exc).__name__
    return status
