"""The settler: adds payments' pending credits to the wallets' balances in batches.

A payment records its payee's and fee wallet's credits as pending credits in its own
transaction (services/payments.py); this moves a batch of them onto the balances, one
$inc per wallet, and deletes them, in one transaction. Safe with any number of workers at
once: two settlers that pick the same credits collide on the delete and one runs again on
what is left, so every credit is added exactly once. A settler killed mid-batch leaves
nothing behind: its transaction never commits, and the credits stay pending.
"""

from ..storage import pending_credits as pending_store
from ..stores import Stores

BATCH = 500


async def settle_pending(stores: Stores, limit: int = BATCH) -> int:
    """Settle up to `limit` of the oldest pending credits; returns how many it settled."""
    return await stores.in_transaction(
        lambda session: pending_store.settle_oldest(stores.db, limit, session)
    )


async def settle_all(stores: Stores, limit: int = BATCH) -> int:
    """Settle until nothing is pending (tests, and an operator draining before a check)."""
    total = 0
    while done := await settle_pending(stores, limit):
        total += done
    return total
