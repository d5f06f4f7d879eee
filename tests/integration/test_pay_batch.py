"""Group commit (services/pay_batch.py): payments that arrive together share one
transaction, and each is still decided on its own."""

import asyncio
from decimal import Decimal

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

from checkout.services import pay_batch, settlement
from checkout.services.reconcile import reconcile
from tests.integration.money_out_support import PIN, balance, pay, withdraw
from tests.support import body, create_session, register


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


@pytest.fixture
def batch_sizes(monkeypatch):
    """Observes the real apply_batch: how many payments each transaction carried."""
    sizes = []
    real = pay_batch.apply_batch

    async def observed(ctx, uow, batch):
        sizes.append(len(batch))
        return await real(ctx, uow, batch)

    monkeypatch.setattr(pay_batch, "apply_batch", observed)
    return sizes


async def test_refusals_in_a_batch_never_fail_the_other_payments(client, ctx, batch_sizes):
    merchant = await register(client, "Batch Merchant")
    payers = [await register(client, f"Batch Shopper {n}", pin=PIN) for n in range(8)]
    broke = await register(client, "Broke Shopper", pin=PIN)
    assert (await withdraw(client, broke, Decimal("990.00"))).status_code == 201  # 8.00 left
    sessions = [await create_session(client, merchant, Decimal("20.00")) for _ in range(12)]
    twice = sessions[0]

    # 8 good payments, 3 the broke shopper cannot cover, and the first session paid again.
    attempts = [pay(client, s, p) for s, p in zip(sessions[:8], payers, strict=True)]
    attempts += [pay(client, s, broke) for s in sessions[8:11]]
    attempts += [pay(client, twice, payers[0])]
    responses = await asyncio.gather(*attempts)

    statuses = [r.status_code for r in responses]
    assert statuses[:8] == [200] * 8, [await body(r) for r in responses]
    assert statuses[8:11] == [402] * 3
    assert statuses[11] == 409
    assert max(batch_sizes) > 1  # they did share transactions
    assert await balance(client, merchant) == Decimal("1000.00") + 8 * Decimal("20.00")
    assert await balance(client, broke) == Decimal("8.00")
    for s in sessions[8:11]:  # the refused ones are still open and payable
        assert (await pay(client, s, payers[1])).status_code == 200
    await settlement.settle_all(ctx.stores)
    report = await reconcile(ctx.stores)
    assert report.ok, report.problems


async def test_one_payer_paying_many_sessions_in_one_batch_is_debited_for_each(
    client, ctx, batch_sizes
):
    merchant = await register(client, "Batch Merchant 2")
    shopper = await register(client, "Batch Spender", pin=PIN)
    sessions = [await create_session(client, merchant, Decimal("300.00")) for _ in range(5)]

    responses = await asyncio.gather(*(pay(client, s, shopper) for s in sessions))

    # 429: more PIN checks at once on one wallet than its lockout lets run together.
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 402, 429}, statuses
    paid = statuses.count(200)
    assert 1 <= paid <= 3  # 3 x 300.60 fit in 1000.00, a 4th would not
    assert await balance(client, shopper) == Decimal("1000.00") - paid * Decimal("300.60")
    report = await reconcile(ctx.stores)
    assert report.ok, report.problems


async def fail_once(ctx, data: dict):
    await ctx.stores.mongo.admin.command(
        {"configureFailPoint": "failCommand", "mode": {"times": 1}, "data": data}
    )


async def fail_off(ctx):
    await ctx.stores.mongo.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


async def paid_once(ctx, client, sessions, payers):
    for session in sessions:
        assert (
            await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 1
        )
    for payer in payers:
        assert await balance(client, payer) == Decimal("1000.00") - Decimal("5.01")
    report = await reconcile(ctx.stores)
    assert report.ok, report.problems


async def test_a_transient_error_in_a_batch_still_pays_each_payment_once(client, ctx):
    merchant = await register(client, "Transient Batch Merchant")
    payers = [await register(client, f"Transient Shopper {n}", pin=PIN) for n in range(6)]
    sessions = [await create_session(client, merchant, Decimal("5.00")) for _ in range(6)]
    # The batch's first insert (its journal entries) fails as a write conflict would.
    await fail_once(
        ctx,
        {
            "failCommands": ["insert"],
            "errorCode": 112,
            "errorLabels": ["TransientTransactionError"],
        },
    )
    try:
        responses = await asyncio.gather(
            *(pay(client, s, p) for s, p in zip(sessions, payers, strict=True))
        )
    finally:
        await fail_off(ctx)
    assert [r.status_code for r in responses] == [200] * 6
    await paid_once(ctx, client, sessions, payers)


async def test_a_batch_commit_with_an_unknown_result_pays_once(client, ctx):
    merchant = await register(client, "Unknown Commit Merchant")
    payers = [await register(client, f"Unknown Commit Shopper {n}", pin=PIN) for n in range(6)]
    sessions = [await create_session(client, merchant, Decimal("5.00")) for _ in range(6)]
    # The commit goes through but its answer carries a write-concern timeout: the driver
    # cannot know it committed (UnknownTransactionCommitResult) and commits again.
    await fail_once(
        ctx,
        {
            "failCommands": ["commitTransaction"],
            "writeConcernError": {
                "code": 64,
                "errmsg": "waiting for replication timed out",
                "errInfo": {"wtimeout": True},
            },
        },
    )
    try:
        responses = await asyncio.gather(
            *(pay(client, s, p) for s, p in zip(sessions, payers, strict=True))
        )
    finally:
        await fail_off(ctx)
    assert [r.status_code for r in responses] == [200] * 6
    await paid_once(ctx, client, sessions, payers)


class WalletHolder:
    """Another client's transaction that wrote a wallet and stays open: what the batch of
    an app host killed mid-transaction leaves behind. MongoDB keeps that document locked
    (every other transaction's write of it is a WriteConflict) until the transaction ends
    or is reaped after transactionLifetimeLimitSeconds."""

    def __init__(self, ctx):
        self.client = AsyncMongoClient(ctx.settings.mongo_uri)
        self.db = self.client[ctx.settings.mongo_db]

    async def hold(self, wallet_code: str) -> None:
        self.session = self.client.start_session()
        await self.session.start_transaction()
        result = await self.db.wallets.update_one(
            {"code": wallet_code}, {"$set": {"held_by_test": True}}, session=self.session
        )
        assert result.modified_count == 1

    async def holding(self) -> bool:
        """Asks the server: it may have reaped the transaction (the lock with it)."""
        try:
            await self.db.wallets.find_one({}, session=self.session)
        except OperationFailure as exc:
            assert exc.code == 251, exc  # NoSuchTransaction
            return False
        return True

    async def release(self) -> None:  # as the server's reaper does: the write never happened
        if self.session.in_transaction:
            await self.session.abort_transaction()

    async def close(self) -> None:
        await self.release()
        await self.session.end_session()
        await self.client.close()


async def session_status(ctx, session: dict) -> str:
    doc = await ctx.db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    return doc["status"]


@pytest.fixture
def tries(monkeypatch):
    """Observes the real apply_batch: the payer codes of every try of a batch; a try
    whose payers include `hold_for` waits for `go` (to let payments queue behind it)."""

    class Tries:
        def __init__(self):
            self.payers: list[set[str]] = []
            self.seen = asyncio.Event()  # a try was made
            self.hold_for: str | None = None
            self.go = asyncio.Event()

    watch = Tries()
    real = pay_batch.apply_batch

    async def observed(ctx, uow, batch):
        codes = {p.payer["code"] for p in batch}
        watch.payers.append(codes)
        watch.seen.set()
        if watch.hold_for in codes:
            await watch.go.wait()
        return await real(ctx, uow, batch)

    monkeypatch.setattr(pay_batch, "apply_batch", observed)
    return watch


@pytest.mark.parametrize("together", [False, True], ids=["stuck-alone-first", "stuck-in-batch"])
async def test_a_locked_payer_holds_up_only_its_own_payment(
    client, ctx, monkeypatch, tries, together
):
    # Long enough that the stuck payment is still retrying when the others are done.
    monkeypatch.setattr(pay_batch, "STUCK_PAYMENT_SECONDS", 120.0)
    merchant = await register(client, "Locked Payer Merchant")
    stuck = await register(client, "Locked Shopper", pin=PIN)
    payers = [await register(client, f"Free Shopper {n}", pin=PIN) for n in range(8)]
    gate = await register(client, "Gate Shopper", pin=PIN)
    sessions = [await create_session(client, merchant, Decimal("5.00")) for _ in range(10)]
    holder = WalletHolder(ctx)
    await holder.hold(stuck["walletCode"])
    tasks: list[asyncio.Task] = []
    try:
        if together:
            # A first batch is held open while the stuck payment and the others queue
            # behind it, so they all go in the next batch together.
            tries.hold_for = gate["walletCode"]
            tasks.append(asyncio.create_task(pay(client, sessions[9], gate)))
            await tries.seen.wait()
        stuck_pay = asyncio.create_task(pay(client, sessions[0], stuck))
        tasks.append(stuck_pay)
        if not together:  # the stuck payment's own batch is under way before the others come
            await tries.seen.wait()
        others = [
            asyncio.create_task(pay(client, s, p))
            for s, p in zip(sessions[1:9], payers, strict=True)
        ]
        tasks += others
        if together:
            batcher = pay_batch.batcher_for(ctx)
            while len(batcher.waiting) < 9:
                await asyncio.sleep(0.01)
            tries.go.set()
        responses = await asyncio.gather(*others)

        # Every other payment answered and is complete in MongoDB while the stuck payer's
        # wallet is still locked and its own payment still waits for it.
        assert [r.status_code for r in responses] == [200] * 8, [await body(r) for r in responses]
        assert [await session_status(ctx, s) for s in sessions[1:9]] == ["complete"] * 8
        assert await holder.holding()
        assert not stuck_pay.done()
        assert await session_status(ctx, sessions[0]) == "open"

        await holder.release()
        stuck_answer = await stuck_pay
    finally:
        tries.go.set()
        for task in tasks:
            if not task.done():  # only when an assertion failed
                task.cancel()
        await holder.close()
    assert stuck_answer.status_code == 200, await body(stuck_answer)
    assert all(task.result().status_code == 200 for task in tasks)
    # The stuck payer's first try: alone, or with all the others.
    first = next(codes for codes in tries.payers if stuck["walletCode"] in codes)
    assert len(first) == (9 if together else 1)
    await paid_once(ctx, client, sessions[:9], [stuck, *payers])
    await settlement.settle_all(ctx.stores)
    report = await reconcile(ctx.stores)
    assert report.ok, report.problems


async def test_a_payment_locked_out_for_too_long_answers_503_and_charges_nothing(
    client, ctx, monkeypatch
):
    monkeypatch.setattr(pay_batch, "STUCK_PAYMENT_SECONDS", 1.0)
    merchant = await register(client, "Long Lock Merchant")
    stuck = await register(client, "Long Locked Shopper", pin=PIN)
    session = await create_session(client, merchant, Decimal("5.00"))
    holder = WalletHolder(ctx)
    await holder.hold(stuck["walletCode"])
    try:
        refused = await pay(client, session, stuck)
        assert await holder.holding()
    finally:
        await holder.close()

    assert refused.status_code == 503, await body(refused)
    assert (await body(refused))["error"]["code"] == "payment_contended"
    assert refused.headers["Retry-After"] == "5"
    assert await session_status(ctx, session) == "open"
    assert await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 0
    assert await balance(client, stuck) == Decimal("1000.00")
    # Once the lock is gone the shopper pays again, and is charged once.
    assert (await pay(client, session, stuck)).status_code == 200
    await paid_once(ctx, client, [session], [stuck])
