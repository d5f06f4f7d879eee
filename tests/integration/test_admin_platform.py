"""The platform's money in the console: overview figures, fee revenue per day and month,
the sweep of the fee wallets into the operating wallet (one balanced entry, reconcile
green), and reconcile runs from the console."""

from decimal import Decimal

from checkout import ledger
from checkout.services import platform
from checkout.services.reconcile import reconcile
from tests.integration.admin_support import signed_in_operator, submit, text
from tests.integration.money_out_support import PIN, paid_session, withdraw
from tests.support import platform_fee_total, register


async def test_revenue_sweep_and_reconcile_from_the_console(app, client, settings):
    admin = await signed_in_operator(app)
    support = await signed_in_operator(app, "support")
    ctx = app.app.extensions["checkout"]
    merchant = await register(client, pin=PIN)
    shopper = await register(client, pin=PIN)
    for _ in range(3):
        await paid_session(client, merchant, shopper, Decimal("100.00"))  # fee 0.20 each
    assert (await withdraw(client, merchant, Decimal("10.00"))).status_code == 201  # fee 2.00
    fees = await platform_fee_total(ctx.db, settings)
    assert fees == 260

    overview = await text(await admin.client.get("/admin/"))
    figures = await platform.figures(ctx)
    assert figures["clearing"] == 1000 and figures["fees_unswept"] == 260
    assert figures["held"] + figures["clearing"] + figures["fees_unswept"] == figures["issued"]
    assert "2.60 USD" in overview and "10.00 USD" in overview
    assert "Not run from the console yet." in overview

    revenue = await text(await support.client.get("/admin/revenue"))
    assert "Sweep fees" not in revenue  # support reads, admin sweeps
    assert "2.60 USD" in revenue
    refused = await submit(support.client, "/admin/revenue/sweep", {}, token_from="/admin/revenue")
    assert refused.status_code == 403

    swept = await submit(
        admin.client, "/admin/revenue/sweep", {"reason": "month end"}, token_from="/admin/revenue"
    )
    assert swept.status_code == 303
    page = await text(await admin.client.get("/admin/revenue"))
    assert "Swept 2.60 USD into the operating wallet." in page
    assert await platform_fee_total(ctx.db, settings) == 0
    operating = await ctx.db.wallets.find_one({"code": settings.platform_operating_wallet})
    assert operating["balance"] == 260
    [entry] = await ctx.db.journal.find({"kind": "fee_sweep"}).to_list(None)
    ledger.check_balanced([ledger.Posting(p["account"], p["amount"]) for p in entry["postings"]])
    # Revenue is what was earned: the sweep moves it, it does not earn or spend it.
    assert "2.60 USD" in page
    again = await submit(admin.client, "/admin/revenue/sweep", {}, token_from="/admin/revenue")
    assert again.status_code == 303
    assert "nothing to sweep" in await text(await admin.client.get("/admin/revenue"))

    ran = await submit(support.client, "/admin/reconcile", {}, token_from="/admin/")
    assert ran.status_code == 303
    overview = await text(await support.client.get("/admin/"))
    assert "Reconcile OK." in overview and f"by {support.email}" in overview
    assert (await reconcile(ctx.stores)).ok
    audit = await text(await admin.client.get("/admin/audit"))
    assert "fees.sweep" in audit and "month end" in audit and "reconcile.run" in audit


async def test_a_failed_reconcile_shows_its_problems(app, client):
    admin = await signed_in_operator(app)
    merchant = await register(client)
    ctx = app.app.extensions["checkout"]
    await ctx.db.wallets.update_one({"code": merchant["walletCode"]}, {"$inc": {"balance": 1}})
    try:
        await submit(admin.client, "/admin/reconcile", {}, token_from="/admin/")
        overview = await text(await admin.client.get("/admin/"))
        assert "Reconcile FAILED" in overview and merchant["walletCode"] in overview
    finally:
        await ctx.db.wallets.update_one({"code": merchant["walletCode"]}, {"$inc": {"balance": -1}})
    assert (await reconcile(ctx.stores)).ok
