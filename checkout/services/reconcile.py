from .. import ledger
from ..storage import journal as journal_store
from ..stores import Stores


async def reconcile(stores: Stores) -> ledger.ReconciliationReport:
    """Check the whole ledger. The reads share one transaction, so they see one snapshot
    even while payments go on."""

    async def read(session):
        entry_sums, count = await journal_store.sum_each_entry(stores.db, session)
        posting_totals = await journal_store.sum_postings_by_account(stores.db, session)
        balances, locked = await journal_store.wallet_balances(stores.db, session)
        return ledger.reconcile(entry_sums, posting_totals, balances, count, locked)

    return await stores.in_transaction(read)
