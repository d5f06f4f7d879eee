"""Money out with a destination: the API validates the IBAN (or takes a reference) and
shows it masked; the console lists pending payouts, exports the batch for the bank (full
destination, admin only) and marks them paid or failed exactly once; reconcile stays green."""

import csv
import io
from decimal import Decimal

from checkout.services.reconcile import reconcile
from tests.integration.admin_support import signed_in_operator, submit, text
from tests.integration.money_out_support import PIN, balance, checkout_command, withdraw
from tests.support import body, call, register

IBAN = "DE89 3704 0044 0532 0130 00"


async def test_a_withdrawal_names_a_checked_destination_shown_masked(app, client):
    merchant = await register(client, pin=PIN)
    done = await withdraw(
        client, merchant, Decimal("10.00"), destination={"iban": IBAN, "holderName": "Jane Doe"}
    )
    assert done.status_code == 201, await done.get_data()
    answer = await body(done)
    assert answer["destination"] == "DE89 •••• 3000 · Jane Doe"
    again = await body(
        await call(
            client, "GET", f"/api/v1/txn/withdraw/{answer['id']}", headers=merchant["headers"]
        )
    )
    assert again["destination"] == "DE89 •••• 3000 · Jane Doe"
    by_reference = await withdraw(
        client, merchant, Decimal("1.00"), destination={"reference": "mpesa:254700000123"}
    )
    assert (await body(by_reference))["destination"] == "Reference ••••0123"

    before = await balance(client, merchant)
    for destination, field in (
        ({"iban": "DE89 3704 0044 0532 0130 01", "holderName": "Jane Doe"}, "destination.iban"),
        ({"iban": IBAN}, "destination.holderName"),
        ({"iban": IBAN, "holderName": "Jane", "reference": "x"}, "destination"),
    ):
        refused = await withdraw(client, merchant, Decimal("1.00"), destination=destination)
        assert refused.status_code == 400
        error = (await body(refused))["error"]
        assert error["code"] == "invalid_request" and error["field"] == field, error
    unknown = await withdraw(client, merchant, Decimal("1.00"), destination={"bank": "x"})
    assert unknown.status_code == 400
    assert await balance(client, merchant) == before  # nothing moved for a bad destination


async def test_console_payouts_export_and_settle_exactly_once(app, client, store_env):
    admin = await signed_in_operator(app)
    support = await signed_in_operator(app, "support")
    merchant = await register(client, organization="Payout Bakery", pin=PIN)
    paid = await body(
        await withdraw(
            client, merchant, Decimal("20.00"), destination={"iban": IBAN, "holderName": "Jane Doe"}
        )
    )
    failed = await body(await withdraw(client, merchant, Decimal("5.00")))

    listing = await text(await admin.client.get("/admin/payouts"))
    assert "Payout Bakery" in listing and "DE89 •••• 3000 · Jane Doe" in listing
    assert "DE89370400440532013000" not in listing  # masked on screen
    exported = await admin.client.get("/admin/payouts.csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = {r["withdrawal_id"]: r for r in csv.DictReader(io.StringIO(await text(exported)))}
    assert rows[paid["id"]]["iban"] == "DE89370400440532013000"
    assert rows[paid["id"]]["holder_name"] == "Jane Doe"
    assert rows[paid["id"]]["amount"] == "20.00"
    assert rows[failed["id"]]["destination_type"] == ""

    assert (await support.client.get("/admin/payouts")).status_code == 200
    assert (await support.client.get("/admin/payouts.csv")).status_code == 403
    refused = await submit(
        support.client, f"/admin/payouts/{paid['id']}/paid", {}, token_from="/admin/payouts"
    )
    assert refused.status_code == 403

    marked = await submit(
        admin.client,
        f"/admin/payouts/{paid['id']}/paid",
        {"reason": "bank batch 42"},
        token_from="/admin/payouts",
    )
    assert marked.status_code == 303
    twice = await submit(
        admin.client, f"/admin/payouts/{paid['id']}/paid", {}, token_from="/admin/payouts"
    )
    assert twice.status_code == 409 and "already paid" in await text(twice)
    before = await balance(client, merchant)
    reversed_ = await submit(
        admin.client, f"/admin/payouts/{failed['id']}/failed", {}, token_from="/admin/payouts"
    )
    assert reversed_.status_code == 303
    assert await balance(client, merchant) == before + Decimal("5.00") + Decimal("2.00")
    audit = await text(await admin.client.get("/admin/audit"))
    assert "payout.paid" in audit and "bank batch 42" in audit and "payouts.export" in audit
    still_pending = await text(await admin.client.get("/admin/payouts"))
    assert paid["id"] not in still_pending and failed["id"] not in still_pending
    assert (await reconcile(app.app.extensions["checkout"].stores)).ok
    code, out, _ = await checkout_command(store_env, "reconcile")
    print(out)
    assert code == 0 and "reconciliation OK" in out
