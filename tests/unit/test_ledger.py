import pytest

from checkout import ledger
from checkout.ledger import ISSUANCE, Posting, UnbalancedEntry


def test_payment_postings_balance_and_credit_the_fee():
    postings = ledger.payment_postings("payer", "payee", "fees", amount=1250, fee=3)
    assert {(p.account, p.amount) for p in postings} == {
        ("payer", -1253),
        ("payee", 1250),
        ("fees", 3),
    }
    assert sum(p.amount for p in postings) == 0


def test_payment_without_fee_has_no_zero_posting():
    postings = ledger.payment_postings("payer", "payee", "fees", amount=1, fee=0)
    assert [p.account for p in postings] == ["payer", "payee"]


def test_entry_refuses_unbalanced_postings():
    with pytest.raises(UnbalancedEntry):
        ledger.entry("payment", [Posting("a", -100), Posting("b", 99)], "USD")


@pytest.mark.parametrize(
    "postings",
    [
        [Posting("a", 0), Posting("b", 0)],
        [Posting("a", -1)],
        [Posting("a", -1.0), Posting("b", 1.0)],
    ],
)
def test_entry_refuses_degenerate_postings(postings):
    with pytest.raises(UnbalancedEntry):
        ledger.entry("payment", postings, "USD")


def test_entry_document():
    doc = ledger.entry("welcome_credit", ledger.issuance_postings("w1", 500), "USD", ref=1)
    assert doc["postings"] == [
        {"account": ISSUANCE, "amount": -500},
        {"account": "w1", "amount": 500},
    ]
    assert doc["kind"] == "welcome_credit" and doc["currency"] == "USD" and doc["ref"] == 1


def test_reconcile_ok():
    report = ledger.reconcile(
        entry_sums={"e1": 0, "e2": 0},
        posting_totals={ISSUANCE: -1000, "w1": 700, "w2": 298, "fees": 2},
        wallet_balances={"w1": 700, "w2": 298, "fees": 2},
        entries_checked=2,
    )
    assert report.ok, report.problems
    assert report.total_issued == report.total_balances == 1000


def test_reconcile_counts_money_held_by_other_system_accounts():
    report = ledger.reconcile(
        entry_sums={"e1": 0},
        posting_totals={ISSUANCE: -1000, "w1": 900, "system:payouts-clearing": 100},
        wallet_balances={"w1": 900},
        entries_checked=1,
    )
    assert report.ok, report.problems


def test_reconcile_reports_each_kind_of_problem():
    report = ledger.reconcile(
        entry_sums={"e1": 5},
        posting_totals={ISSUANCE: -1000, "w1": 1000, "ghost": 3},
        wallet_balances={"w1": 990, "w2": 7},
        entries_checked=1,
    )
    text = "\n".join(report.problems)
    assert not report.ok
    assert "e1 postings sum to 5" in text
    assert "w1 balance 990 != sum of its postings 1000" in text
    assert "w2 balance 7 != sum of its postings 0" in text
    assert "unknown wallet ghost" in text
    assert "total balances" in text


def test_fee_wallet_for_is_stable_and_spreads():
    wallets = [f"fees-{i}" for i in range(16)]
    assert ledger.fee_wallet_for(wallets, "cs_abc") == ledger.fee_wallet_for(wallets, "cs_abc")
    chosen = {ledger.fee_wallet_for(wallets, f"cs_{i}") for i in range(400)}
    assert len(chosen) == 16
    assert ledger.fee_wallet_for(["only"], "cs_abc") == "only"
