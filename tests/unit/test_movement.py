import pytest

from checkout import ledger


def test_a_movement_builds_a_balanced_entry_and_matching_rows():
    move = ledger.movement(
        "payment",
        ledger.payment_postings("payer", "payee", "fees", 1000, 2),
        [
            ledger.Line("a1", "payer", "debit", 1002, 2, "payee"),
            ledger.Line("a2", "payee", "credit", 1000, 2, "payer"),
        ],
        "USD",
        "now",
        "Coffee",
        ledger.Refs(session_id="cs_1"),
    )
    entry, rows = move["entry"], move["rows"]
    assert entry["kind"] == "payment" and entry["session_id"] == "cs_1"
    assert [r["journal_id"] for r in rows] == [entry["_id"]] * 2
    assert [(r["wallet_code"], r["direction"], r["amount"]) for r in rows] == [
        ("payer", "debit", 1002),
        ("payee", "credit", 1000),
    ]
    assert {r["type"] for r in rows} == {"payment"}


def test_a_line_that_disagrees_with_the_postings_is_refused():
    postings = ledger.payment_postings("payer", "payee", "fees", 1000, 2)
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.movement(
            "payment", postings, [ledger.Line("a1", "payer", "debit", 1000)], "USD", "now", None
        )
    with pytest.raises(ledger.UnbalancedEntry):
        ledger.movement(
            "payment", postings, [ledger.Line("a1", "payee", "debit", 1000)], "USD", "now", None
        )


def test_row_problems_names_the_entry_and_wallet():
    assert ledger.row_problems({("e1", "w"): 1000}, {("e1", "w"): 1000}) == []
    assert ledger.row_problems({("e1", "w"): 1000}, {("e1", "w"): 999}) == [
        "journal entry e1 moved 1000 for wallet w but its transaction rows say 999"
    ]
    assert ledger.row_problems({}, {("e2", "w"): 5}) == [
        "journal entry e2 moved 0 for wallet w but its transaction rows say 5"
    ]
