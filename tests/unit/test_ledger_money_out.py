import itertools

import pytest

from checkout import ledger


def test_refund_postings_balance_with_and_without_fee():
    assert ledger.refund_postings("m", "p", "fees", 1000) == [
        ledger.Posting("m", -1000),
        ledger.Posting("p", 1000),
    ]
    with_fee = ledger.refund_postings("m", "p", "fees", 1000, 2)
    ledger.check_balanced(with_fee)
    assert ledger.Posting("p", 1002) in with_fee and ledger.Posting("fees", -2) in with_fee


def test_withdrawal_reversal_is_the_exact_opposite():
    out = ledger.withdrawal_postings("w", "fees", 5000, 200)
    back = ledger.withdrawal_reversal_postings("w", "fees", 5000, 200)
    ledger.check_balanced(out)
    ledger.check_balanced(back)
    totals = {}
    for p in out + back:
        totals[p.account] = totals.get(p.account, 0) + p.amount
    assert set(totals.values()) == {0}
    assert ledger.Posting(ledger.PAYOUTS_CLEARING, 5000) in out


def test_paid_withdrawal_leaves_clearing_for_issuance():
    postings = ledger.withdrawal_paid_postings(5000)
    ledger.check_balanced(postings)
    assert postings == [
        ledger.Posting(ledger.PAYOUTS_CLEARING, -5000),
        ledger.Posting(ledger.ISSUANCE, 5000),
    ]


@pytest.mark.parametrize("fee,amount", [(2, 1000), (3, 1250), (1, 3), (0, 500), (7, 7)])
def test_fee_shares_of_partial_refunds_add_up_to_the_fee_exactly(fee, amount):
    for cut_count in (1, 2, 3):
        for cuts in itertools.combinations(range(1, amount), cut_count - 1):
            points = [0, *cuts, amount]
            shares = [
                ledger.refunded_fee_share(fee, amount, before, after - before)
                for before, after in itertools.pairwise(points)
            ]
            assert sum(shares) == fee and all(s >= 0 for s in shares)
            if amount > 100:
                break  # the large cases only need a few splits


def test_fee_share_rounds_half_up():
    assert ledger.refunded_fee_share(1, 2, 0, 1) == 1  # half a cent of fee -> 1
    assert ledger.refunded_fee_share(2, 1000, 0, 333) == 1  # 0.666 -> 1
    assert ledger.refunded_fee_share(2, 1000, 333, 333) == 0  # 1.332 -> 1, minus 1
