"""MongoDB and Redis clients: created inside the serving event loop, closed after it."""

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

import redis.asyncio as aioredis
from pymongo import AsyncMongoClient, ReadPreference
from pymongo.asynchronous.client_session import AsyncClientSession, TransactionOptions
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, ServerSelectionTimeoutError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import Sentinel
from redis.connection import parse_url
from redis.exceptions import ClusterDownError, ReadOnlyError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from .settings import Settings

T = TypeVar("T")

# Failures that mean "a store is down" (503), as opposed to a bug. Besides lost connections:
# a Redis master demoted by a Sentinel failover refuses writes (READONLY) until the client
# has found the new one; a Cluster answers CLUSTERDOWN / TRYAGAIN, or has no node for a
# slot, while a master fails over.
STORE_ERRORS = (
    ConnectionFailure,
    ServerSelectionTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    ReadOnlyError,
    ClusterDownError,
    TryAgainError,
    SlotNotCoveredError,
)

# Money transactions: a commit is acknowledged only once a majority of the replica set
# has it (a failover cannot roll it back), and every read inside sees one snapshot that
# is majority-committed (across shards too), so balances checked are balances written.
TRANSACTION_OPTIONS = TransactionOptions(
    read_concern=ReadConcern("snapshot"),
    write_concern=WriteConcern("majority"),
    read_preference=ReadPreference.PRIMARY,
)

RedisClient = aioredis.Redis | RedisCluster


@dataclass
class Stores:
    mongo: AsyncMongoClient
    db: AsyncDatabase
    redis: RedisClient
    # Sentinel mode: the client that asks the sentinels where the master is.
    sentinel: Sentinel | None = None

    async def in_transaction(
        self, callback: Callable[[AsyncClientSession], Coroutine[Any, Any, T]]
    ) -> T:
        """Run callback(session) in one MongoDB transaction, retried on transient errors.

        The callback may run more than once, so it must only touch MongoDB through the
        session it is given: no Redis writes, no HTTP calls.
        """
        async with self.mongo.start_session(
            default_transaction_options=TRANSACTION_OPTIONS
        ) as session:
            return await session.with_transaction(callback)

    async def close(self) -> None:
        await self.redis.aclose()
        if self.sentinel is not None:
            for sentinel in self.sentinel.sentinels:
                await sentinel.aclose()
        await self.mongo.close()


async def open_stores(settings: Settings, appname: str = "checkout") -> Stores:
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
        settings.mongo_uri,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        connectTimeoutMS=5000,
        appname=appname,
        # The default, said out loud: a write whose connection broke is retried once on
        # the new primary after a failover (transactions' commits too).
        retryWrites=True,
    )
    redis, sentinel = open_redis(settings)
    return Stores(mongo=mongo, db=mongo[settings.mongo_db], redis=redis, sentinel=sentinel)


def open_redis(settings: Settings) -> tuple[RedisClient, Sentinel | None]:
    """The Redis client for standalone (default), Cluster (REDIS_CLUSTER) or Sentinel
    (REDIS_SENTINELS); the storage modules work the same on each."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_timeout": 5,
        "socket_connect_timeout": 5,
    }
    if settings.redis_cluster:
        # A seed node: the client reads the slot map from it and follows MOVED replies.
        return RedisCluster.from_url(settings.redis_url, **options), None
    if settings.redis_sentinels:
        # The database number and credentials come from REDIS_URL, the address from the
        # sentinels: each new connection asks them for the current master, and a
        # connection to a master that was demoted is dropped.
        url = parse_url(settings.redis_url)
        credentials = {k: url[k] for k in ("db", "username", "password") if url.get(k)}
        sentinel = Sentinel(
            list(settings.redis_sentinels), socket_timeout=1, socket_connect_timeout=1
        )
        master = sentinel.master_for(
            settings.redis_sentinel_master,
            redis_class=aioredis.Redis,
            health_check_interval=30,
            **credentials,
            **options,
        )
        return master, sentinel
    return aioredis.Redis.from_url(settings.redis_url, health_check_interval=30, **options), None


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
