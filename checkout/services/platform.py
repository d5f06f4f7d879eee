"""The platform's own money: what was issued, what merchants hold, what waits in payouts
clearing, the fee revenue; sweeping the fee wallets into the operating wallet; and
reconcile runs with their results kept for the console."""

from datetime import timedelta

from .. import ledger, revenue
from ..statuses import Kind
from ..storage import journal as journal_store
from ..storage import platform as platform_store
from ..storage import wallets as wallet_store
from . import Context, unit_of_work, utcnow
from .audit import Actor, record
from .reconcile import reconcile
from .topups import require_admin

REVENUE_DAYS = 400  # a little over a year of daily and monthly figures


async def figures(ctx: Context) -> dict:
    """Totals from the journal (minor units): issued, held by merchants, in payouts
    clearing, fees waiting in the fee wallets, and swept into the operating wallet."""
    totals = await journal_store.sum_postings_by_account(ctx.db)
    fee_wallets = ctx.settings.fee_wallets
    issued = -totals.get(ledger.ISSUANCE, 0)
    clearing = totals.get(ledger.PAYOUTS_CLEARING, 0)
    fees = sum(totals.get(code, 0) for code in fee_wallets)
    operating = totals.get(ctx.settings.platform_operating_wallet, 0)
    return {
        "issued": issued,
        "clearing": clearing,
        "fees_unswept": fees,
        "operating": operating,
        "held": issued - clearing - fees - operating,
    }


async def fee_revenue(ctx: Context) -> dict:
    since = utcnow() - timedelta(days=REVENUE_DAYS)
    entries = await platform_store.fee_entries(ctx.db, ctx.settings.fee_wallets, since)
    days, months = revenue.fee_revenue(entries, set(ctx.settings.fee_wallets), Kind.FEE_SWEEP)
    return {"days": days[:31], "months": months[:13]}


async def sweep_fees(ctx: Context, actor: Actor, reason: str | None) -> int:
    """Move every fee wallet's balance into the operating wallet in one balanced entry
    (pending fee credits settled first, in the same transaction). Returns the amount."""
    require_admin(actor)
    fee_wallets = ctx.settings.fee_wallets
    target = ctx.settings.platform_operating_wallet

    async def write(uow):
        balances = {}
        for code in fee_wallets:
            await uow.settle_wallet(code)
            wallet = await wallet_store.find_wallet(ctx.db, code, uow.session)
            balances[code] = wallet["balance"] if wallet else 0
        amounts = revenue.sweep_amounts(balances)
        total = sum(amounts.values())
        if not total:
            return 0
        postings = [ledger.Posting(code, -amount) for code, amount in amounts.items()]
        postings.append(ledger.Posting(target, total))
        # Platform wallets have no owner: no transaction rows, only the entry.
        await uow.post(
            ledger.movement(
                Kind.FEE_SWEEP, postings, [], ctx.settings.currency, utcnow(), "Fee sweep"
            )
        )
        await record(ctx, actor, "fees.sweep", target, reason, uow.session, amount=total)
        return total

    swept: int = await unit_of_work.run(ctx, write)
    return swept


async def run_reconcile(ctx: Context, by: str) -> dict:
    """Run reconcile now and keep its result for the console's overview."""
    report = await reconcile(ctx.stores)
    run = {
        "at": utcnow(),
        "by": by,
        "ok": report.ok,
        "problems": report.problems[:50],
        "problem_count": len(report.problems),
        "entries_checked": report.entries_checked,
        "wallets_checked": report.wallets_checked,
        "total_issued": report.total_issued,
        "total_balances": report.total_balances,
    }
    await platform_store.record_reconcile_run(ctx.db, dict(run))
    return run


async def last_reconcile(ctx: Context) -> dict | None:
    return await platform_store.last_reconcile_run(ctx.db)
