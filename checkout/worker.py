"""Background worker: `python -m checkout worker`. Run as many as you like.

Four loops share one process:
- settle: adds payments' pending credits to the wallets' balances in batches
  (services/settlement.py); safe with any number of workers, each batch is one transaction.
- events: reads the Redis Stream with a consumer group (workers share the entries), fans
  each event out into one delivery per subscribed endpoint and makes the first attempts.
  An entry is acknowledged only after that, so if a worker dies mid-way its pending
  entries are taken over by another worker (XAUTOCLAIM) once idle for longer than any
  attempt can take.
- retries: sends deliveries whose next attempt is due (backoff, redeliveries, and any
  attempt a dead worker left behind: its lease runs out).
- housekeeping: the expiry sweeper, the overdue-invoice notices and the outbox relay.
- mail: sends the mail outbox's due messages over SMTP (services/mail.py), leased like
  webhook deliveries; without SMTP_HOST the messages wait.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket

import httpx
from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from .logs import configure_logging
from .migrations import check_schema
from .security import Passwords
from .services import Context, invoices, lifecycle, mail, settlement, utcnow, webhooks
from .services.events import PING, publish_pending
from .settings import Settings
from .storage import events as event_store
from .storage import webhooks as webhook_store
from .stores import open_stores

log = logging.getLogger("checkout.worker")

READ_COUNT = 10
RETRY_BATCH = 20
# Store failures a loop survives: it logs, waits and tries again.
TRANSIENT = (PyMongoError, RedisError, OSError)


class Worker:
    def __init__(self, ctx: Context, http: httpx.AsyncClient, name: str):
        self.ctx = ctx
        self.http = http
        self.name = name
        self.poll = ctx.settings.webhook_poll_interval
        # Longer than one entry can take (its attempts run concurrently, each bounded by
        # the lease), so a live worker's entries are not taken from it.
        self.claim_idle_ms = int((webhooks.lease_seconds(ctx) + 1) * 1000)

    async def run(self, stop: asyncio.Event) -> None:
        log.info("worker %s started", self.name)
        await asyncio.gather(
            self._guard(self.settle, stop),
            self._guard(self.events, stop),
            self._guard(self.retries, stop),
            self._guard(self.housekeeping, stop),
            self._guard(self.mail, stop),
        )
        log.info("worker %s stopped", self.name)

    async def _guard(self, loop, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await loop(stop)
            except TRANSIENT as exc:
                if event_store.is_missing_group(exc):  # Redis lost the stream: recreate
                    continue
                log.warning("%s: store error %s; retrying", loop.__name__, type(exc).__name__)
                await _sleep(stop, max(self.poll, 1))
            except Exception:  # a bug must not stop deliveries for everyone else
                log.exception("%s loop failed; restarting it", loop.__name__)
                await _sleep(stop, max(self.poll, 1))

    async def settle(self, stop: asyncio.Event) -> None:
        interval = self.ctx.settings.settle_interval
        while not stop.is_set():
            settled = await settlement.settle_pending(self.ctx.stores)
            if settled < settlement.BATCH:  # a full batch means more may be waiting
                await _sleep(stop, interval)

    async def events(self, stop: asyncio.Event) -> None:
        redis = self.ctx.redis
        await event_store.ensure_group(redis)
        block_ms = max(int(min(self.poll, 2) * 1000), 1)
        next_claim = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            if loop.time() >= next_claim:
                stale = await event_store.claim_stale(
                    redis, self.name, self.claim_idle_ms, READ_COUNT
                )
                if stale:
                    log.info("reclaimed %d stream entries from a stalled worker", len(stale))
                await self._handle_all(stale)
                next_claim = loop.time() + self.poll
            await self._handle_all(
                await event_store.read_new(redis, self.name, READ_COUNT, block_ms)
            )

    async def _handle_all(self, entries) -> None:
        if not entries:
            return
        # The events and their accounts' endpoints of the whole read, one query each: a
        # busy merchant's payments come in runs.
        try:
            events = await event_store.find_events(
                self.ctx.db, [fields.get("event_id") for _, fields in entries]
            )
            endpoints = await webhook_store.endpoints_for_events(
                self.ctx.db,
                {(e["account_id"], e["type"]) for e in events.values()},
                max((e["created_at"] for e in events.values()), default=None),
            )
        except TRANSIENT as exc:
            log.warning(
                "could not read %d stream entries (%s); they will be retried",
                len(entries),
                type(exc).__name__,
            )
            return
        # Events nobody subscribed to (most payments) need only be marked dispatched and
        # acknowledged: for all of them at once. A ping names its own endpoint instead.
        quiet = [
            (entry_id, event)
            for entry_id, event in (
                (entry_id, events.get(fields.get("event_id"))) for entry_id, fields in entries
            )
            if event is not None
            and event["type"] != PING
            and not endpoints.get((event["account_id"], event["type"]))
        ]
        if quiet:
            try:
                await event_store.mark_many_dispatched(
                    self.ctx.db, [event["_id"] for _, event in quiet], utcnow()
                )
                await event_store.acknowledge(self.ctx.redis, *(entry_id for entry_id, _ in quiet))
            except TRANSIENT as exc:  # not acknowledged: reclaimed and handled again later
                log.warning(
                    "could not mark %d events dispatched (%s); they will be retried",
                    len(quiet),
                    type(exc).__name__,
                )
        done = {entry_id for entry_id, _ in quiet}
        await asyncio.gather(
            *(
                self._handle(entry_id, events.get(fields.get("event_id")), endpoints)
                for entry_id, fields in entries
                if entry_id not in done
            )
        )

    async def _handle(self, entry_id: str, event: dict | None, endpoints: dict) -> None:
        try:
            if event is None:
                log.warning("stream entry %s names no known event; dropping it", entry_id)
            else:
                due = await webhooks.fan_out(
                    self.ctx, event, endpoints.get((event["account_id"], event["type"]), [])
                )
                await asyncio.gather(*(self._attempt(delivery_id) for delivery_id in due))
            await event_store.acknowledge(self.ctx.redis, entry_id)
        except Exception as exc:
            # Not acknowledged: it stays pending and is reclaimed later.
            log.warning(
                "entry %s not handled (%s); it will be retried",
                entry_id,
                type(exc).__name__,
                exc_info=not isinstance(exc, TRANSIENT),
            )

    async def _attempt(self, delivery_id: str | None = None) -> bool:
        delivery = await webhooks.claim_due(self.ctx, delivery_id)
        if delivery is None:
            return False
        await webhooks.deliver(self.ctx, self.http, delivery)
        return True

    async def retries(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            claimed = []
            for _ in range(RETRY_BATCH):
                delivery = await webhooks.claim_due(self.ctx)
                if delivery is None:
                    break
                claimed.append(delivery)
            if claimed:
                await asyncio.gather(*(webhooks.deliver(self.ctx, self.http, d) for d in claimed))
            else:
                await _sleep(stop, self.poll)

    async def housekeeping(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            expired = await lifecycle.expire_overdue_sessions(self.ctx)
            if expired:
                log.info("expired %d payment sessions", expired)
            overdue = await invoices.notice_overdue(self.ctx)
            if overdue:
                log.info("%d invoices became overdue", overdue)
            # Entries younger than this are normally pushed by the request that made them.
            relayed = await publish_pending(self.ctx, min_age=max(5 * self.poll, 1))
            if relayed:
                log.info("relayed %d events that missed the stream", relayed)
            await _sleep(stop, self.poll)

    async def mail(self, stop: asyncio.Event) -> None:
        if not self.ctx.settings.smtp_host:
            log.warning("SMTP_HOST is not set: mail stays in the outbox until it is")
            await stop.wait()
            return
        while not stop.is_set():
            if await mail.send_due(self.ctx) < mail.SEND_BATCH:  # a full batch: more wait
                await _sleep(stop, self.poll)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    # Its own application name: a test can aim a MongoDB failpoint at the worker alone.
    stores = await open_stores(settings, appname="checkout-worker")
    try:
        await check_schema(stores.db)
        ctx = Context(
            stores=stores,
            settings=settings,
            passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_cost),
            dummy_password_hash="",
        )
        # Redirects are not followed: a 3xx is a failed attempt, and cannot bounce a
        # request to an internal address. No proxy from the environment either: each
        # request must go to the address webhooks.deliver checked, not to a proxy.
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False) as http:
            name = f"{socket.gethostname()}-{os.getpid()}"
            await Worker(ctx, http, name).run(stop)
    finally:
        await stores.close()


def main(settings: Settings) -> int:
    configure_logging()
    asyncio.run(run_worker(settings))
    return 0
