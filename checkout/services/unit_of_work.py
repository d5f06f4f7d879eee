"""The unit of work: the one way money moves.

    result = await unit_of_work.run(ctx, work)      # work(uow) -> result

`work` runs inside one MongoDB transaction (retried whole on transient errors, so it must
touch MongoDB only through uow.session). Through the unit of work it posts journal entries
with their transaction rows and records outbox events; the events of the attempt that
committed are pushed to the webhook stream after the commit, never before.
"""

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo.asynchronous.client_session import AsyncClientSession

from ..storage import events as event_store
from ..storage import journal as journal_store
from ..storage import pending_credits as pending_store
from ..storage import transactions as txn_store
from . import Context
from .events import event_data, publish_pending, record_event

Document = dict[str, Any]
T = TypeVar("T")


class UnitOfWork:
    def __init__(self, ctx: Context, session: AsyncClientSession) -> None:
        self.ctx = ctx
        self.session = session
        self.events: list[Document] = []

    async def post(self, movement: Document) -> dict[str, Document]:
        """Write a movement (ledger.movement): its balanced entry moves the balances, its
        rows go to the owners' transaction lists. Returns each debited wallet after the
        debit; raises InsufficientFunds when a debit is not covered. (Payments go through
        services/pay_batch.py instead: their credits become pending credits.)"""
        debited: dict[str, Document] = await journal_store.record_entry(
            self.ctx.db, movement["entry"], self.session
        )
        if movement["rows"]:
            await txn_store.insert_transactions(self.ctx.db, movement["rows"], self.session)
        return debited

    async def record_events(self, docs: list[Document]) -> None:
        """Outbox events built with events.event_document, in one insert (a batch)."""
        await event_store.insert_events(self.ctx.db, docs, self.session)
        self.events.extend(docs)

    async def settle_wallet(self, code: str) -> int:
        """Settle a wallet's pending credits in this transaction, before money leaves it:
        refunds and withdrawals then see, and may spend, exactly the settled balance."""
        settled: int = await pending_store.settle_wallet(self.ctx.db, code, self.session)
        return settled

    async def record_event(
        self, account_id: Any, event_type: str, record: Document, *, subject: str | None = None
    ) -> Document:
        """An outbox event about `record` (as changed by this unit of work) that exists if
        and only if this unit of work commits; events.event_data gives it its API shape."""
        data = event_data(event_type, record, self.ctx.settings.public_base_url)
        event: Document = await record_event(
            self.ctx, account_id, event_type, data, self.session, subject=subject
        )
        self.events.append(event)
        return event


Work = Callable[[UnitOfWork], Awaitable[T]]


async def run(ctx: Context, work: Work[T]) -> T:
    result, events = await run_unpublished(ctx, work)
    await publish_pending(ctx, events)  # never raises: the relay catches up
    return result


async def run_unpublished(
    ctx: Context, work: Work[T], *, before_retry: Callable[[], None] | None = None
) -> tuple[T, list[Document]]:
    """Like run, but returns (result, the committed outbox events) without pushing them:
    the caller must hand them to publish_pending after it has answered (the batch of
    payments does, so its shoppers do not wait on the push).

    before_retry, when given, is called before each run of `work` after a transient
    failure; whatever it raises ends the retrying (the transaction is aborted, so nothing
    of it committed) and comes out of run_unpublished. It is not called when only the
    commit is retried (an unknown commit result): that one may have committed, so it is
    retried until the driver knows."""
    committed: list[UnitOfWork] = []
    tries = 0

    async def attempt(session: AsyncClientSession) -> T:
        nonlocal tries
        tries += 1
        if tries > 1 and before_retry is not None:
            before_retry()
        uow = UnitOfWork(ctx, session)  # fresh each try: an aborted try's events are dropped
        result = await work(uow)
        committed[:] = [uow]
        return result

    result: T = await ctx.stores.in_transaction(attempt)
    return result, committed[0].events
