from datetime import UTC, datetime

from checkout import ledger
from checkout.revenue import fee_revenue, sweep_amounts

FEES = {"wllt-platform-fees", "wllt-platform-fees-01"}


def entry(kind, day, postings):
    return {"kind": kind, "created_at": datetime(2026, *day, 12, tzinfo=UTC), "postings": postings}


def test_fees_are_summed_per_day_and_month_net_of_refunds_and_not_sweeps():
    entries = [
        entry(
            "payment",
            (10, 31),
            [
                {"account": "a", "amount": -102},
                {"account": "b", "amount": 100},
                {"account": "wllt-platform-fees", "amount": 2},
            ],
        ),
        entry(
            "withdrawal",
            (11, 1),
            [
                {"account": "b", "amount": -250},
                {"account": "system:payouts-clearing", "amount": 50},
                {"account": "wllt-platform-fees-01", "amount": 200},
            ],
        ),
        entry(
            "refund",
            (11, 1),
            [
                {"account": "b", "amount": -100},
                {"account": "a", "amount": 101},
                {"account": "wllt-platform-fees", "amount": -1},
            ],
        ),
        entry(
            "fee_sweep",
            (11, 2),
            [
                {"account": "wllt-platform-fees", "amount": -1},
                {"account": "wllt-platform-operating", "amount": 1},
            ],
        ),
        entry(
            "top_up",
            (11, 2),
            [{"account": "system:issuance", "amount": -5}, {"account": "b", "amount": 5}],
        ),
    ]
    days, months = fee_revenue(entries, FEES, "fee_sweep")
    assert days == [("2026-11-01", 199), ("2026-10-31", 2)]
    assert months == [("2026-11", 199), ("2026-10", 2)]


def test_a_sweep_takes_each_positive_balance_and_balances():
    amounts = sweep_amounts({"wllt-platform-fees": 7, "wllt-platform-fees-01": 0, "x": 3})
    assert amounts == {"wllt-platform-fees": 7, "x": 3}
    postings = [ledger.Posting(code, -a) for code, a in amounts.items()]
    postings.append(ledger.Posting("wllt-platform-operating", sum(amounts.values())))
    ledger.check_balanced(postings)
