"""Group commit (services/pay_batch.py): payments that arrive together share one
transaction, and each is still decided on its own."""

import asyncio
from decimal import Decimal

import pytest

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


async def test_a_transient_error_in_a_batch_runs_the_whole_batch_again_once(client, ctx):
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
