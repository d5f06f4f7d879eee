"""Many shoppers paying one merchant at once (issue 11): payments record the merchant's and
the fee wallet's credits as pending credits, the worker's settler adds them to the balances
in batches. Real HTTP against two Hypercorn workers, real SecantusDB and Redis, real worker
processes; the settler is also driven directly where a test needs a batch at a set moment."""

import asyncio
import os
import signal
import subprocess
import sys
from decimal import Decimal

import httpx
import pytest_asyncio
import simplejson
from pymongo.errors import OperationFailure

from checkout.services import settlement
from checkout.services.reconcile import reconcile
from checkout.settings import Settings
from checkout.storage import pending_credits as pending_store
from checkout.stores import open_stores
from tests import live
from tests.integration.money_out_support import PIN
from tests.servers import ROOT
from tests.webhook_support import eventually, start_worker

WALLET_PASSWORD = "correct horse 1"  # what tests/live.register uses


@pytest_asyncio.fixture
async def stores(store_env):
    """The test's own connection to the stores, under an application name of its own so a
    failpoint can be aimed at it (or at the worker) without touching the app servers."""
    opened = await open_stores(Settings.from_env(store_env), appname="hot-merchant-test")
    yield opened
    await opened.close()


async def register_payers(base_url: str, count: int) -> list[dict]:
    """Shoppers with a wallet, its PIN and the welcome credit (no login: they only pay)."""
    limit = asyncio.Semaphore(4)  # registration runs argon2 in the app

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:

        async def one(n):
            async with limit:
                response = await client.post(
                    "/api/v1/org/register",
                    json={
                        "organization": f"Hot Shopper {n}",
                        "email": f"hot-{os.urandom(5).hex()}@example.com",
                        "password": WALLET_PASSWORD,
                        "category": "food",
                        "pin": PIN,
                    },
                )
                assert response.status_code == 201, response.text
                return response.json(parse_float=Decimal)

        return await asyncio.gather(*(one(n) for n in range(count)))


async def pay_each(base_url: str, pairs: list[tuple[dict, dict]]) -> list[httpx.Response]:
    """Pay every (session, payer) at the same moment."""
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:

        async def pay(session, payer):
            body = simplejson.dumps(
                {
                    "fromWalletCode": payer["walletCode"],
                    "pin": PIN,
                    "totalAmount": session["totalAmount"],
                },
                use_decimal=True,
            )
            return await client.post(
                f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
                content=body,
                headers={"Content-Type": "application/json"},
            )

        return await asyncio.gather(*(pay(s, p) for s, p in pairs))


async def post_all(base_url, requests):
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:

        async def post(path, payload, headers):
            return await client.post(
                path,
                content=simplejson.dumps(payload, use_decimal=True),
                headers={"Content-Type": "application/json", **headers},
            )

        return await asyncio.gather(*(post(*r) for r in requests))


def shown_balance(base_url, account) -> Decimal:
    response = live.api(base_url, "GET", "/api/v1/wallets", headers=account["headers"])
    return next(
        w["balance"]
        for w in response.json(parse_float=Decimal)["data"]
        if w["walletCode"] == account["walletCode"]
    )


async def stored_balance(stores, code) -> int:
    return (await stores.db.wallets.find_one({"code": code}))["balance"]


async def pending_for(stores, code) -> int:
    return await pending_store.pending_total(stores.db, code)


async def assert_reconciled(stores):
    report = await reconcile(stores)
    assert report.ok, report.problems


async def test_fifty_shoppers_paying_one_merchant_at_once_all_succeed(live_server, stores):
    merchant = live.register(live_server, "Festival Stall")
    payers = await register_payers(live_server, 50)
    sessions = [live.create_session(live_server, merchant, Decimal("3.00")) for _ in range(50)]

    responses = await pay_each(live_server, list(zip(sessions, payers, strict=True)))

    assert [r.status_code for r in responses] == [200] * 50, [r.text for r in responses]
    # Shown at once: the balance counts the credits still pending.
    assert shown_balance(live_server, merchant) == Decimal("1000.00") + 50 * Decimal("3.00")
    await assert_reconciled(stores)  # with the credits pending
    await settlement.settle_all(stores)
    assert await pending_for(stores, merchant["walletCode"]) == 0
    assert await stored_balance(stores, merchant["walletCode"]) == 100000 + 50 * 300
    assert shown_balance(live_server, merchant) == Decimal("1150.00")
    await assert_reconciled(stores)


async def test_twenty_payments_of_one_session_move_money_once(live_server, stores):
    merchant = live.register(live_server, "Single Session Stall")
    [shopper] = await register_payers(live_server, 1)
    session = live.create_session(live_server, merchant, Decimal("10.00"))

    responses = await pay_each(live_server, [(session, shopper)] * 20)

    assert sorted(r.status_code for r in responses) == [200] + [409] * 19
    assert (
        await stores.db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 1
    )
    assert await pending_for(stores, merchant["walletCode"]) == 1000
    await settlement.settle_all(stores)
    assert await stored_balance(stores, merchant["walletCode"]) == 100000 + 1000
    assert await stored_balance(stores, shopper["walletCode"]) == 100000 - 1002
    await assert_reconciled(stores)


async def test_a_wallet_spending_while_it_is_paid_never_goes_negative(live_server, stores):
    """The spender's own incoming payments are pending: a debit that its settled balance
    cannot cover settles them inside its transaction first. Many debits doing that at once
    must settle each credit once and never overdraw."""
    merchant = live.register(live_server, "Busy Merchant")
    spender = live.register(live_server, "Spending Stall", pin=PIN)
    # Leave 10.00 settled (990.00 + 2.00 fee out), then 12 payments of 10.00 come in, pending.
    out = live.api(
        live_server,
        "POST",
        "/api/v1/txn/withdraw",
        {"walletCode": spender["walletCode"], "amount": Decimal("988.00"), "pin": PIN},
        spender["headers"],
    )
    assert out.status_code == 201, out.text
    payers = await register_payers(live_server, 12)
    incoming = [live.create_session(live_server, spender, Decimal("10.00")) for _ in range(12)]
    assert {
        r.status_code for r in await pay_each(live_server, list(zip(incoming, payers, strict=True)))
    } == {200}
    assert await stored_balance(stores, spender["walletCode"]) == 1000
    assert await pending_for(stores, spender["walletCode"]) == 12000

    # 10 payments of 30.06 each from a wallet holding 130.00: at most 4 fit.
    outgoing = [live.create_session(live_server, merchant, Decimal("30.00")) for _ in range(10)]
    responses = await pay_each(live_server, [(s, spender) for s in outgoing])

    assert {r.status_code for r in responses} <= {200, 402, 429}, [r.text for r in responses]
    paid = sum(r.status_code == 200 for r in responses)
    assert 1 <= paid <= 4
    left = Decimal("130.00") - paid * Decimal("30.06")
    assert shown_balance(live_server, spender) == left
    await assert_reconciled(stores)  # checks every stored balance >= 0 too
    await settlement.settle_all(stores)
    assert await stored_balance(stores, spender["walletCode"]) == int(left * 100)
    await assert_reconciled(stores)


async def test_money_out_racing_incoming_payments_spends_only_settled_money(live_server, stores):
    """Refunds and withdrawals settle the wallet's pending credits in their own transaction
    and then spend the settled balance only: whatever interleaving, every credit is counted
    once, nothing is spent twice, and the wallet never goes below zero."""
    merchant = live.register(live_server, "Ticket Drop")
    # Withdraw all but 5.00 (993.00 + 2.00 fee): what follows lives on incoming payments.
    out = live.api(
        live_server,
        "POST",
        "/api/v1/txn/withdraw",
        {
            "walletCode": merchant["walletCode"],
            "amount": Decimal("993.00"),
            "password": WALLET_PASSWORD,
        },
        merchant["headers"],
    )
    assert out.status_code == 201, out.text
    payers = await register_payers(live_server, 24)
    early = [live.create_session(live_server, merchant, Decimal("10.00")) for _ in range(4)]
    assert {
        r.status_code
        for r in await pay_each(live_server, list(zip(early, payers[:4], strict=True)))
    } == {200}
    sessions = [live.create_session(live_server, merchant, Decimal("10.00")) for _ in range(20)]

    pay_task = asyncio.create_task(
        pay_each(live_server, list(zip(sessions, payers[4:], strict=True)))
    )
    money_out = [
        (f"/api/v1/txn/refund/{s['transactionTraceId']}", {}, merchant["headers"]) for s in early
    ]
    money_out += [
        (
            "/api/v1/txn/withdraw",
            {
                "walletCode": merchant["walletCode"],
                "amount": Decimal("40.00"),
                "password": WALLET_PASSWORD,
            },
            merchant["headers"],
        )
        for _ in range(8)
    ]
    out_responses = await post_all(live_server, money_out)
    paid = await pay_task

    assert [r.status_code for r in paid] == [200] * 20, [r.text for r in paid]
    assert {r.status_code for r in out_responses} <= {201, 402}, [r.text for r in out_responses]
    refunded = sum(r.status_code == 201 for r in out_responses[:4])
    withdrawn = sum(r.status_code == 201 for r in out_responses[4:])
    assert refunded + withdrawn >= 1
    left = (
        Decimal("5.00")
        + 24 * Decimal("10.00")
        - refunded * Decimal("10.00")
        - withdrawn * Decimal("42.00")
    )
    assert left >= 0
    assert shown_balance(live_server, merchant) == left
    await assert_reconciled(stores)
    await settlement.settle_all(stores)
    assert await stored_balance(stores, merchant["walletCode"]) == int(left * 100)
    await assert_reconciled(stores)


async def pay_into_one_merchant(live_server, count: int) -> tuple[dict, int]:
    merchant = live.register(live_server, "Canteen")
    payers = await register_payers(live_server, count)
    sessions = [live.create_session(live_server, merchant, Decimal("2.50")) for _ in range(count)]
    assert {
        r.status_code for r in await pay_each(live_server, list(zip(sessions, payers, strict=True)))
    } == {200}
    return merchant, 100000 + count * 250


async def test_two_settlers_at_once_apply_every_credit_once(live_server, stores, store_env):
    merchant, expected = await pay_into_one_merchant(live_server, 30)
    other = await open_stores(Settings.from_env(store_env), appname="hot-merchant-test")
    try:
        # Small batches, so the two settlers keep taking the same oldest credits.
        await asyncio.gather(
            settlement.settle_all(stores, limit=4), settlement.settle_all(other, limit=4)
        )
    finally:
        await other.close()
    assert await pending_for(stores, merchant["walletCode"]) == 0
    assert await stored_balance(stores, merchant["walletCode"]) == expected
    await assert_reconciled(stores)


async def fail_point(stores, data: dict, mode=None):
    await stores.mongo.admin.command(
        {"configureFailPoint": "failCommand", "mode": mode or {"times": 1}, "data": data}
    )


async def fail_point_off(stores):
    await stores.mongo.admin.command({"configureFailPoint": "failCommand", "mode": "off"})


async def test_a_transient_error_on_a_batch_applies_it_once(live_server, stores):
    merchant, expected = await pay_into_one_merchant(live_server, 10)
    # The batch's second write fails as a write conflict would, after its first $inc went
    # through in the same transaction: with_transaction runs the whole batch again.
    await fail_point(
        stores,
        {
            "failCommands": ["update"],
            "errorCode": 112,
            "errorLabels": ["TransientTransactionError"],
            "appName": "hot-merchant-test",
        },
        mode={"skip": 1, "times": 1},
    )
    try:
        await settlement.settle_all(stores)
    finally:
        await fail_point_off(stores)
    assert await stored_balance(stores, merchant["walletCode"]) == expected
    assert await pending_for(stores, merchant["walletCode"]) == 0
    await assert_reconciled(stores)


async def test_a_batch_commit_with_an_unknown_result_applies_it_once(live_server, stores):
    merchant, expected = await pay_into_one_merchant(live_server, 10)
    # The commit goes through but its answer carries a write-concern timeout: the driver
    # cannot know it committed (UnknownTransactionCommitResult) and commits again.
    await fail_point(
        stores,
        {
            "failCommands": ["commitTransaction"],
            "appName": "hot-merchant-test",
            "writeConcernError": {
                "code": 64,
                "errmsg": "waiting for replication timed out",
                "errInfo": {"wtimeout": True},
            },
        },
    )
    try:
        await settlement.settle_all(stores)
    finally:
        await fail_point_off(stores)
    assert await stored_balance(stores, merchant["walletCode"]) == expected
    assert await pending_for(stores, merchant["walletCode"]) == 0
    await assert_reconciled(stores)


async def test_a_settler_killed_mid_batch_loses_and_doubles_nothing(live_server, stores, store_env):
    merchant, expected = await pay_into_one_merchant(live_server, 20)
    settled_before = await stored_balance(stores, merchant["walletCode"])
    # Every update the worker sends waits 3 s first: its batch's $inc on the merchant's
    # wallet goes through, then it waits again before marking the entries settled. Killed
    # there: mid-transaction, with the balance already raised inside it.
    await fail_point(
        stores,
        {
            "failCommands": ["update"],
            "appName": "checkout-worker",
            "blockConnection": True,
            "blockTimeMS": 3000,
        },
        mode="alwaysOn",
    )
    first = start_worker(store_env)
    try:

        async def worker_blocked_in_its_batch():
            # The worker's open transaction holds an uncommitted write on the merchant's
            # wallet exactly while it is inside the batch: a probe write conflicts.
            async with stores.mongo.start_session() as probe:
                await probe.start_transaction()
                try:
                    await stores.db.wallets.update_one(
                        {"code": merchant["walletCode"]}, {"$set": {"probe": 1}}, session=probe
                    )
                except OperationFailure as exc:
                    return exc.code == 112
                finally:
                    await probe.abort_transaction()
            return False

        # Every update the worker sends first waits 3 s, settling is one of several jobs,
        # and CI machines are busy: a generous deadline, not a timing claim.
        await eventually(
            worker_blocked_in_its_batch, timeout=120, what="the worker to be inside a batch"
        )
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()
    finally:
        await fail_point_off(stores)
        first.stop()
    # Nothing of the killed batch stayed: the credits are still pending, the balance as it was.
    assert await stored_balance(stores, merchant["walletCode"]) == settled_before
    assert await pending_for(stores, merchant["walletCode"]) == expected - settled_before
    await assert_reconciled(stores)
    # The server aborts a dead client's open transaction once it has idled past the
    # transaction lifetime (60 s, as mongod's transactionLifetimeLimitSeconds); until then
    # it keeps its writes (the wallet, not the payments: they never write it). Reap it now
    # rather than wait; nothing else is running at this moment.
    await stores.mongo.admin.command({"killAllSessions": []})

    # Two workers take over at once.
    restarted = [start_worker(store_env, SETTLE_INTERVAL="0.05") for _ in range(2)]
    try:

        async def all_settled():
            return not await pending_store.pending_totals(stores.db)

        await eventually(all_settled, timeout=60, what="the workers to settle every credit")
    finally:
        for worker in restarted:
            worker.stop()
    assert await stored_balance(stores, merchant["walletCode"]) == expected
    await assert_reconciled(stores)
    result = subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **store_env},
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
