"""Reconcile compares the owners' transaction rows with the journal, entry by entry."""

from decimal import Decimal

from tests.integration.money_out_support import PIN, checkout_command, pay
from tests.support import create_session, register


async def test_reconcile_fails_when_a_transaction_row_disagrees_with_the_journal(
    client, app, store_env
):
    merchant, shopper = await register(client, pin=PIN), await register(client, pin=PIN)
    session = await create_session(client, merchant, Decimal("40.00"))
    assert (await pay(client, session, shopper)).status_code == 200
    code, out, err = await checkout_command(store_env, "reconcile")
    assert code == 0, out + err

    db = app.app.extensions["checkout"].db
    row = {"session_id": session["transactionTraceId"], "direction": "credit"}
    await db.transactions.update_one(row, {"$inc": {"amount": 1}})
    try:
        code, out, err = await checkout_command(store_env, "reconcile")
        assert code == 1
        assert (
            f"moved 4000 for wallet {merchant['walletCode']} but its transaction rows say 4001"
        ) in out
    finally:
        await db.transactions.update_one(row, {"$inc": {"amount": -1}})
