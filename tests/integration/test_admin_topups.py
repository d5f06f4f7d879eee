"""Top-ups (money in) from the console and the CLI: one balanced entry from issuance, a
top_up row the owner sees, a wallet.topped_up event; a reference credits once even when
submitted concurrently; above the threshold a second admin decides; reconcile stays green."""

import asyncio
import csv
import io
from decimal import Decimal

from checkout.errors import SelfApproval
from checkout.services import topups
from checkout.services.reconcile import reconcile
from checkout.web.json import parse
from tests.integration.admin_support import signed_in_operator, submit, text
from tests.integration.money_out_support import balance, checkout_command, transactions
from tests.integration.test_dashboard import sign_in as dashboard_sign_in
from tests.support import register


def context(app):
    return app.app.extensions["checkout"]


async def console_top_up(operator, wallet, amount, reference, reason="bank transfer"):
    return await submit(
        operator.client,
        "/admin/topups",
        {"wallet": wallet, "amount": amount, "reference": reference, "reason": reason},
        token_from="/admin/topups",
    )


async def test_console_top_up_credits_once_and_the_owner_sees_it(app, client):
    admin = await signed_in_operator(app)
    merchant = await register(client)
    before = await balance(client, merchant)

    done = await console_top_up(admin, merchant["walletCode"], "50.00", "bank-0001")
    assert done.status_code == 303, await text(done)
    page = await text(await admin.client.get("/admin/topups"))
    assert f"Credited 50.00 USD to {merchant['walletCode']}." in page
    assert await balance(client, merchant) == before + Decimal("50.00")

    # The same reference again (a double submit, a retry): nothing more is credited.
    await console_top_up(admin, merchant["walletCode"], "50.00", "bank-0001")
    assert "was already used: nothing credited again" in await text(
        await admin.client.get("/admin/topups")
    )
    # ... and a different top-up under a used reference is refused.
    clash = await console_top_up(admin, merchant["walletCode"], "60.00", "bank-0001")
    assert clash.status_code == 409
    assert "already used for a different top-up" in await text(clash)
    assert await balance(client, merchant) == before + Decimal("50.00")

    # The owner: a top_up row in the API list, the dashboard and the CSV.
    rows = [t for t in await transactions(client, merchant) if t["type"] == "top_up"]
    assert [(r["amount"], r["direction"]) for r in rows] == [(Decimal("50.00"), "credit")]
    await dashboard_sign_in(client, merchant)
    assert "Top-up" in await text(await client.get("/dashboard/transactions"))
    exported = await text(await client.get("/dashboard/transactions.csv?type=top_up"))
    csv_rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(csv_rows) == 1 and "top_up" in exported

    ctx = context(app)
    [entry] = await ctx.db.journal.find(
        {"kind": "top_up", "postings.account": merchant["walletCode"]}
    ).to_list(None)
    assert sorted(p["amount"] for p in entry["postings"]) == [-5000, 5000]
    assert {p["account"] for p in entry["postings"]} == {"system:issuance", merchant["walletCode"]}
    topup = await ctx.db.topups.find_one({"reference": "bank-0001"})
    assert topup["journal_id"] == entry["_id"]
    [event] = await ctx.db.events.find({"subject": topup["_id"]}).to_list(None)
    assert event["type"] == "wallet.topped_up"
    data = parse(event["payload"])["data"]
    owner = await ctx.db.accounts.find_one({"user_code": merchant["userCode"]})
    assert event["account_id"] == owner["_id"]
    assert (data["object"], data["reference"], data["amount"]) == ("top_up", "bank-0001", 50)
    audit = await text(await admin.client.get("/admin/audit"))
    assert "topup.credit" in audit and "bank transfer" in audit and admin.email in audit
    assert (await reconcile(ctx.stores)).ok


async def test_concurrent_identical_top_ups_credit_once(app, client):
    """Eight operators submit the same reference at the same moment: the unique reference
    index refuses all but one inside their transactions. (Without the index every one of
    them passes the read-before and credits.)"""
    merchant = await register(client)
    before = await balance(client, merchant)
    admins = [await signed_in_operator(app) for _ in range(2)]
    ctx = context(app)
    results = await asyncio.gather(
        *[
            topups.top_up(ctx, admins[i % 2].actor, merchant["walletCode"], 1234, "race-1", None)
            for i in range(8)
        ]
    )
    assert len({r["_id"] for r in results}) == 1
    assert sum(1 for r in results if not r.get("repeated")) == 1
    assert await balance(client, merchant) == before + Decimal("12.34")
    credited = {"kind": "top_up", "postings.account": merchant["walletCode"]}
    assert await ctx.db.journal.count_documents(credited) == 1
    assert await ctx.db.topups.count_documents({"reference": "race-1"}) == 1
    assert (await reconcile(ctx.stores)).ok


async def test_above_the_threshold_a_second_admin_approves(app, client):
    requester, approver = await signed_in_operator(app), await signed_in_operator(app)
    merchant = await register(client)
    before = await balance(client, merchant)
    ctx = context(app)
    entries_before = await ctx.db.journal.count_documents({})

    await console_top_up(requester, merchant["walletCode"], "1500.00", "big-1")
    await console_top_up(requester, merchant["walletCode"], "2000.00", "big-2")
    [first] = await ctx.db.topups.find({"reference": "big-1"}).to_list(None)
    assert first["status"] == "pending_approval"
    assert await balance(client, merchant) == before  # nothing credited before approval
    assert await ctx.db.journal.count_documents({}) == entries_before

    # The requester cannot approve their own request: not in the page, not by posting.
    page = await text(await requester.client.get("/admin/topups"))
    assert "Another admin decides" in page
    own = await submit(
        requester.client,
        f"/admin/topups/{first['_id']}/approve",
        {},
        token_from="/admin/topups",
    )
    assert own.status_code == 403 and "approved by an admin other than" in await text(own)
    try:
        await topups.decide(ctx, requester.actor, first["_id"], True)
    except SelfApproval:
        pass
    else:
        raise AssertionError("the requester approved their own top-up")

    approved = await submit(
        approver.client, f"/admin/topups/{first['_id']}/approve", {}, token_from="/admin/topups"
    )
    assert approved.status_code == 303
    assert await balance(client, merchant) == before + Decimal("1500.00")
    again = await submit(
        approver.client, f"/admin/topups/{first['_id']}/approve", {}, token_from="/admin/topups"
    )
    assert again.status_code == 409  # exactly once

    [second] = await ctx.db.topups.find({"reference": "big-2"}).to_list(None)
    rejected = await submit(
        approver.client,
        f"/admin/topups/{second['_id']}/reject",
        {"reason": "no matching transfer"},
        token_from="/admin/topups",
    )
    assert rejected.status_code == 303
    assert (await ctx.db.topups.find_one({"_id": second["_id"]}))["status"] == "rejected"
    assert await balance(client, merchant) == before + Decimal("1500.00")
    audit = await text(await approver.client.get("/admin/audit"))
    assert "topup.approve" in audit and "topup.reject" in audit and "topup.request" in audit
    assert (await reconcile(ctx.stores)).ok


async def test_bad_top_up_input_gets_field_errors(app, client):
    admin = await signed_in_operator(app)
    merchant = await register(client)
    for amount, message in (
        ("abc", "Enter an amount like 12.50."),
        ("-5", "greater than zero"),
        ("1.234", "more than 2 decimal places"),
    ):
        answer = await console_top_up(admin, merchant["walletCode"], amount, "bad-1")
        assert answer.status_code == 400 and message in await text(answer), amount
    for wallet in ("wllt-nosuchwallet", "wllt-platform-fees"):
        unknown = await console_top_up(admin, wallet, "5.00", "bad-2")
        assert unknown.status_code == 404
        assert "No merchant wallet has this code." in await text(unknown)
    bad_reference = await console_top_up(admin, merchant["walletCode"], "5", "has space")
    assert bad_reference.status_code == 400
    assert (
        await context(app).db.topups.count_documents({"wallet_code": merchant["walletCode"]}) == 0
    )


async def test_topup_command(app, client, store_env):
    merchant = await register(client)
    before = await balance(client, merchant)
    code, out, err = await checkout_command(
        store_env, "topup", merchant["walletCode"], "25.00", "--reference", "cli-1"
    )
    assert code == 0, err
    assert "credited 25.00 USD" in out
    code, out, _ = await checkout_command(
        store_env, "topup", merchant["walletCode"], "25.00", "--reference", "cli-1"
    )
    assert code == 0 and "already used" in out
    code, _, err = await checkout_command(
        store_env, "topup", "wllt-nosuchwallet", "5", "--reference", "cli-2"
    )
    assert code == 1 and "No wallet has this code." in err
    assert await balance(client, merchant) == before + Decimal("25.00")
    code, out, _ = await checkout_command(store_env, "reconcile")
    print(out)
    assert code == 0 and "reconciliation OK" in out
