from .. import ledger
from ..storage import journal as journal_store
from ..storage import pending_credits as pending_store
from ..stores import Stores


async def reconcile(stores: Stores) -> ledger.ReconciliationReport:
    """Check the whole ledger. The reads share one transaction, so they see one snapshot
    even while payments go on."""

    async def read(session):
        entry_sums, count = await journal_store.sum_each_entry(stores.db, session)
        posting_totals = await journal_store.sum_postings_by_account(stores.db, session)
        balances, locked, owned = await journal_store.wallet_balances(stores.db, session)
        # Pending credits in the same snapshot: a payment writes its entry and its pending
        # credits together, and the settler moves credits from pending to the balance in one
        # transaction, so every snapshot adds up.
        pending = await pending_store.pending_totals(stores.db, session=session)
        report = ledger.reconcile(entry_sums, posting_totals, balances, count, locked, pending)
        # Every owner's transaction list must say what the journal says.
        report.problems.extend(
            ledger.row_problems(
                await journal_store.sum_postings_by_entry_and_wallet(
                    stores.db, set(balances) - owned, session
                ),
                await journal_store.sum_rows_by_entry_and_wallet(stores.db, session),
            )
        )
        return report

    return await stores.in_transaction(read)
