"""Group commit for payments: the payments that arrive while one batch's transaction runs
wait for it, and then go together in the next one (docs/pay-path.md).

One MongoDB transaction per payment costs about a dozen commands, and that, not the
network or the app, is what bounds the pay path. A batch needs the same dozen commands
for all its payments: the sessions and the payers are read with one query each, every
refusal (already paid, expired, insufficient funds, a used-up link) is decided in Python
from that snapshot, and the writes are one bulk command per collection. Nothing waits to
form a batch: with no transaction running a payment goes at once, alone, so a quiet
gateway answers as fast as before, and a busy one puts more payments in each commit.

Guarantees are those of one payment, batch or not:
- the batch is one transaction: all of it commits or none of it (a crash, a store
  failure);
- a transient error (a write conflict: another transaction holds one of its documents)
  does not run the whole batch again. The batch is split by payer, and the parts commit
  on their own, beside the later batches: one contended payer must not hold up everyone
  else's payments (a transaction a killed app host left open keeps its payer wallets
  locked until MongoDB reaps it, up to a minute). A part with a single payer retries
  alone, for STUCK_PAYMENT_SECONDS at most from when its payments arrived, then answers
  503 payment_contended: nothing of it committed, the shopper may pay again. A commit
  whose result is unknown is not cut short by this deadline: the driver retries the
  commit as before (up to its 120 s limit, then 503 store_unavailable);
- the writes are still conditional (a session flips only while open, a payer is debited
  only while its settled balance covers the sum); one that does not match means another
  transaction got there after the snapshot, and the batch goes on as after a transient
  error;
- one payment's refusal is that payment's answer only: the rest of the batch goes on.
Batches are per app process (each Hypercorn worker has its own); two processes' batches
are two transactions, as two payments were.
"""

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

from .. import ledger, locked_credit
from ..errors import (
    AlreadyPaid,
    CheckoutError,
    InsufficientFunds,
    PaymentContended,
    PaymentLinkLimitReached,
    SessionNotFound,
)
from ..session_rules import effective_status
from ..statuses import Kind, SessionStatus
from ..storage import journal as journal_store
from ..storage import payment_links as link_store
from ..storage import pending_credits as pending_store
from ..storage import sessions as session_store
from ..storage import transactions as txn_store
from ..storage import wallets as wallet_store
from ..stores import STORE_ERRORS
from . import Context, notices, unit_of_work
from .events import event_data, event_document, publish_pending
from .invoice_payments import mark_invoice_paid

log = logging.getLogger(__name__)

# Payments per transaction at most: bounds a batch's time and its retry's cost.
MAX_BATCH = 64
# How long a payment may keep meeting write conflicts before it answers 503
# payment_contended: below the usual client timeouts, so the shopper gets a clear answer.
STUCK_PAYMENT_SECONDS = 10.0


def give_up_time() -> float:
    return time.monotonic() + STUCK_PAYMENT_SECONDS


@dataclass
class Payment:
    session_id: str
    payer: dict  # the payer's wallet: code, account_id
    now: datetime
    future: asyncio.Future = field(repr=False)
    give_up_at: float = field(default_factory=give_up_time)  # time.monotonic()


class Contended(Exception):
    """A try of a batch that may not retry in place met a transient error: it is split."""


@dataclass
class Paid:
    session: dict  # the durable session as it was before this payment
    payer_balance: int  # settled balance right after this payment's debit


class PayBatcher:
    """One per app process and event loop."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.waiting: list[Payment] = []
        self.task: asyncio.Task | None = None
        self.publishing: set[asyncio.Task] = set()
        self.retrying: set[asyncio.Task] = set()  # parts of contended batches

    async def pay(self, session_id: str, payer: dict, now: datetime) -> Paid:
        """Pay in the next batch; raises that payment's refusal, or the batch's failure."""
        future = asyncio.get_running_loop().create_future()
        self.waiting.append(Payment(session_id, payer, now, future))
        if self.task is None:
            self.task = asyncio.create_task(self._drain())
        # Shielded: a client that hangs up does not cancel a batch others wait for.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[:MAX_BATCH], self.waiting[MAX_BATCH:]
                # One try here: a contended batch goes on in the background, so the next
                # batch does not wait for it.
                await self._commit(batch, retry_in_place=False)
        finally:
            self.task = None  # no await since the last check: nothing can slip in between

    async def _commit(self, batch: list[Payment], *, retry_in_place: bool) -> None:
        """Commit the batch, or on a transient error (unless retry_in_place) hand its
        parts to background tasks: halves by payer, or the whole one-payer batch."""
        try:
            outcomes, events = await unit_of_work.run_unpublished(
                self.ctx,
                lambda uow: apply_batch(self.ctx, uow, batch),
                before_retry=lambda: before_retry(batch, retry_in_place),
            )
        except Contended:
            for part in split_by_payer(batch):
                self._in_background(
                    self.retrying, self._commit(part, retry_in_place=one_payer(part))
                )
            return
        except BaseException as exc:  # the transaction failed as a whole: so did each payment
            for payment in batch:
                if not payment.future.done():
                    payment.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        paid = [p.session_id for p, o in zip(batch, outcomes, strict=True) if isinstance(o, Paid)]
        # The cached copies would still say "open". If Redis fails the payments stand:
        # MongoDB refuses any second payment, so only log it.
        try:
            await session_store.forget_cached_sessions(self.ctx.redis, paid)
        except STORE_ERRORS:
            log.warning("could not drop %d cached sessions after payment", len(paid))
        for payment, outcome in zip(batch, outcomes, strict=True):
            if payment.future.done():
                continue
            if isinstance(outcome, Exception):
                payment.future.set_exception(outcome)
            else:
                payment.future.set_result(outcome)
        # The events go to the webhook stream after the shoppers have their answers and
        # while the next batch runs: pushing them one by one would hold up both. Never
        # raises; if this process dies first, the worker's relay pushes them.
        self._in_background(self.publishing, publish_pending(self.ctx, events))

    @staticmethod
    def _in_background(tasks: set[asyncio.Task], work: Coroutine) -> None:
        task = asyncio.create_task(work)
        tasks.add(task)  # a running task needs a reference
        task.add_done_callback(tasks.discard)


def one_payer(batch: list[Payment]) -> bool:
    return len({p.payer["code"] for p in batch}) == 1


def split_by_payer(batch: list[Payment]) -> list[list[Payment]]:
    """Two halves with no payer in both (so they do not conflict with each other), each
    payer's payments in their order; a one-payer batch stays whole: its payments wait on
    the same wallet anyway."""
    by_payer: dict[str, list[Payment]] = {}
    for payment in batch:
        by_payer.setdefault(payment.payer["code"], []).append(payment)
    groups = list(by_payer.values())
    if len(groups) == 1:
        return [batch]
    middle = len(groups) // 2
    return [list(chain.from_iterable(groups[:middle])), list(chain.from_iterable(groups[middle:]))]


def before_retry(batch: list[Payment], retry_in_place: bool) -> None:
    """Called before a batch's transaction runs again after a transient error."""
    if not retry_in_place:
        raise Contended()
    if time.monotonic() >= min(p.give_up_at for p in batch):
        raise PaymentContended(retry_after=5)


async def apply_batch(ctx: Context, uow, batch: list[Payment]) -> list:
    """The batch's transaction. Returns one outcome per payment, in order: Paid, or the
    CheckoutError that refuses it. Runs again whole on a transient error."""
    db, s = ctx.db, uow.session
    sessions = {
        doc["_id"]: doc
        for doc in await session_store.find_sessions(db, list({p.session_id for p in batch}), s)
    }
    payers = {
        w["code"]: w
        for w in await wallet_store.find_wallets(db, sorted({p.payer["code"] for p in batch}), s)
    }
    balance = {code: w["balance"] for code, w in payers.items()}
    locked = {code: w.get("locked_credit", 0) for code, w in payers.items()}
    settled_first: set[str] = set()
    debits: dict[str, tuple[int, int]] = {}
    completions, entries, rows, events = [], [], [], []
    outcomes: list[Paid | CheckoutError] = []

    for payment in batch:
        session = sessions.get(payment.session_id)
        code = payment.payer["code"]
        try:
            if session is None:
                raise SessionNotFound()
            refuse_unpayable(session, payment.now)
            total = session["total"]
            if code not in balance:
                raise InsufficientFunds()
            if balance[code] < total and code not in settled_first:
                # Settled money first; if short, the payer's own pending credits are
                # settled in this transaction (once per batch) and count too.
                settled_first.add(code)
                balance[code] += await pending_store.settle_wallet(db, code, s)
            if balance[code] < total:
                raise InsufficientFunds()
            if session.get("link_code") and not await link_store.count_link_payment(
                db, session["link_code"], s
            ):
                raise PaymentLinkLimitReached()
            if session.get("invoice_id"):  # last: the invoice is paid only if this payment is
                events.append(await mark_invoice_paid(ctx, session, code, payment.now, s))
        except CheckoutError as refused:
            outcomes.append(refused)
            continue
        from_lock = locked_credit.spent_from_lock(locked[code], total)
        balance[code] -= total
        locked[code] -= from_lock
        amount, lock_part = debits.get(code, (0, 0))
        debits[code] = (amount + total, lock_part + from_lock)
        # Taken: a second payment of this session in the batch is refused as already paid.
        sessions[payment.session_id] = {**session, "status": SessionStatus.COMPLETE}
        completions.append(
            {
                "_id": session["_id"],
                "payer_wallet": code,
                "paid_at": payment.now,
                "payer_locked_spent": from_lock,
            }
        )
        move = payment_movement(ctx, session, payment.payer, payment.now)
        # Only the payer's debit is guarded; the payee's and the fee wallet's credits stay
        # pending on the entry, added to their balances later by the settler.
        entries.append(
            pending_store.mark_pending(
                move["entry"],
                {
                    session["payee_wallet"]: locked_credit.locked_share_for_payee(
                        from_lock, session["amount"]
                    )
                },
            )
        )
        rows += move["rows"]
        events.append(
            event_document(
                session["account_id"],
                "payment_session.completed",
                event_data(
                    "payment_session.completed",
                    {
                        **session,
                        "status": SessionStatus.COMPLETE,
                        "payer_wallet": code,
                        "paid_at": payment.now,
                    },
                    ctx.settings.public_base_url,
                ),
                subject=session["_id"],
            )
        )
        outcomes.append(Paid(session, balance[code]))

    # The writes repeat the checks as conditions: one that does not match means another
    # transaction changed it after this snapshot, so the batch runs again on a fresh one.
    if not await session_store.complete_sessions(db, completions, s):
        raise pending_store.SettleConflict("a session of the batch changed meanwhile")
    if not await wallet_store.debit_wallets(db, debits, s):
        raise pending_store.SettleConflict("a payer of the batch changed meanwhile")
    await journal_store.insert_entries(db, entries, s)
    if rows:
        await txn_store.insert_transactions(db, rows, s)
    await uow.record_events(events)
    # Receipts and notices: mails that exist if and only if this batch commits.
    await notices.payments_made(
        ctx,
        uow,
        [
            (o.session, p.payer, p.now)
            for p, o in zip(batch, outcomes, strict=True)
            if isinstance(o, Paid)
        ],
    )
    # The balance a wallet shows is settled + pending credits (payments it received that
    # the settler has not added yet); usually none for a shopper's wallet.
    if debits:
        waiting = await pending_store.pending_totals(db, sorted(debits), s)
        for payment, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, Paid):
                outcome.payer_balance += waiting.get(payment.payer["code"], 0)
    return outcomes


def refuse_unpayable(session: dict, now) -> None:
    from .payments import refuse_unpayable as refuse  # one rule for the page and the batch

    refuse(session, now)
    if effective_status(session, now) != SessionStatus.OPEN:
        raise AlreadyPaid()


def payment_movement(ctx: Context, session: dict, payer: dict, now) -> dict:
    """The payment's journal entry and transaction rows: the payer pays amount + fee, the
    merchant gets the amount, a platform fee wallet the fee."""
    payer_code, payee_code = payer["code"], session["payee_wallet"]
    amount, fee = session["amount"], session["fee"]
    return ledger.movement(
        Kind.PAYMENT,
        ledger.payment_postings(
            payer_code,
            payee_code,
            ledger.fee_wallet_for(ctx.settings.fee_wallets, session["_id"]),
            amount,
            fee,
        ),
        [
            ledger.Line(payer["account_id"], payer_code, "debit", amount + fee, fee, payee_code),
            ledger.Line(session["account_id"], payee_code, "credit", amount, fee, payer_code),
        ],
        session["currency"],
        now,
        session["description"],
        ledger.Refs(session_id=session["_id"]),
    )


def batcher_for(ctx: Context) -> PayBatcher:
    """The process's batcher for this context (one per app)."""
    if ctx.pay_batcher is None:
        ctx.pay_batcher = PayBatcher(ctx)
    batcher: PayBatcher = ctx.pay_batcher
    return batcher
