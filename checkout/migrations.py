"""`python -m checkout migrate`: every collection's indexes, and data migrations by version.

Run by deploys before the new code serves, never at each app start: creating an index on a
big collection is slow, and a hundred workers starting at once should not all ask for it.
The app and the worker only read the recorded version (check_schema) and refuse to start
behind it, because the unique indexes are what stop a retried payment, refund or withdrawal
from moving money twice.

A later change that must rewrite data adds a step to STEPS and raises SCHEMA_VERSION. Steps
must be idempotent (a deploy may be retried after a crash mid-way) and expand-only, so the
previous release keeps working against a migrated database during a rolling deploy.
"""

from collections.abc import Awaitable, Callable

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from .services import utcnow
from .storage import schema

Step = Callable[[AsyncDatabase], Awaitable[None]]


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
    # Invoices: the merchant's list (by status too), the worker's overdue sweep; a number
    # is unique within its merchant.
    await db.invoices.create_index(
        [("account_id", ASCENDING), ("status", ASCENDING), ("created_at", DESCENDING)]
    )
    await db.invoices.create_index([("account_id", ASCENDING), ("created_at", DESCENDING)])
    await db.invoices.create_index([("status", ASCENDING), ("due_at", ASCENDING)])
    await db.invoices.create_index(
        [("account_id", ASCENDING), ("number", ASCENDING)],
        unique=True,
        partialFilterExpression={"number": {"$type": "string"}},
    )
    # Mail: the worker's due messages; the outbox and its delivery log are kept 30 days
    # (far longer than MAIL_RETRY_SCHEDULE can keep a message pending).
    await db.mail_outbox.create_index([("state", ASCENDING), ("next_attempt_at", ASCENDING)])
    await db.mail_outbox.create_index("created_at", expireAfterSeconds=30 * 24 * 3600)
    await db.mail_attempts.create_index([("mail_id", ASCENDING), ("started_at", ASCENDING)])
    await db.mail_attempts.create_index("started_at", expireAfterSeconds=30 * 24 * 3600)
    # Reset and verification links (by token hash, the _id); gone a day after they expire.
    await db.mail_tokens.create_index([("account_id", ASCENDING), ("purpose", ASCENDING)])
    await db.mail_tokens.create_index("expires_at", expireAfterSeconds=24 * 3600)


# Version n is reached by running STEPS[n - 1]; version 1 is the indexes of a new database
# (the data of every earlier release already had today's shape).
STEPS: tuple[Step, ...] = (ensure_indexes,)
SCHEMA_VERSION = len(STEPS)


class SchemaBehind(Exception):
    """The database has not been migrated for this code: refuse to serve."""


async def migrate(db: AsyncDatabase) -> tuple[int, int]:
    """Indexes (always: a new index in ensure_indexes needs no version of its own), then
    each step past the recorded version, recording the version after each step.
    Returns (version before, version after)."""
    before = await schema.read_version(db)
    await ensure_indexes(db)
    for version in range(before + 1, SCHEMA_VERSION + 1):
        await STEPS[version - 1](db)
        await schema.record_version(db, version, utcnow())
    return before, max(before, SCHEMA_VERSION)


async def check_schema(db: AsyncDatabase) -> int:
    """The recorded version; SchemaBehind when it is older than this code needs. A newer
    one is fine: steps are expand-only, so the previous release runs during a deploy."""
    version = await schema.read_version(db)
    if version < SCHEMA_VERSION:
        raise SchemaBehind(
            f"the database {db.name!r} is at schema version {version}, this code needs "
            f"{SCHEMA_VERSION}: run `python -m checkout migrate` (with the same MONGO_URI "
            "and MONGO_DB) before starting the app or the worker"
        )
    return version
