"""MongoDB and Redis clients: created inside the serving event loop, closed after it."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as aioredis
from pymongo import AsyncMongoClient
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
