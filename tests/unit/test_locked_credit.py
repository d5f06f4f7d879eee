import itertools

from checkout import ledger, locked_credit


def test_a_payment_spends_the_lock_first():
    assert locked_credit.spent_from_lock(100000, 60120) == 60120
    assert locked_credit.spent_from_lock(30000, 60120) == 30000
    assert locked_credit.spent_from_lock(0, 60120) == 0


def test_a_refund_spends_the_merchants_unlocked_money_first():
    # 1,500 with 1,000 locked; a refund of 500 leaves 1,000: the lock is untouched.
    assert locked_credit.lock_released_by_refund(100000, 100000) == 0
    # A refund of 700 leaves 800: the 500 unlocked did not cover it, 200 came from the lock.
    assert locked_credit.lock_released_by_refund(100000, 80000) == 20000
    assert locked_credit.lock_released_by_refund(0, 0) == 0


def test_the_locked_part_goes_back_first_and_never_more_than_was_taken():
    assert locked_credit.locked_share_of_refund(100000, 0, 30000) == 30000
    assert locked_credit.locked_share_of_refund(100000, 30000, 90000) == 70000
    assert locked_credit.locked_share_of_refund(100000, 100000, 500) == 0
    assert locked_credit.locked_share_of_refund(0, 0, 500) == 0


def test_lock_never_exceeds_balance_through_any_sequence():
    """Walk every order of a few movements and check 0 <= lock <= balance after each."""
    moves = [
        ("pay", 60120),
        ("earn", 50000),
        ("give_refund", 70000),
        ("withdraw", 10000),
        ("get_refund", 20000),
    ]
    for order in itertools.permutations(moves):
        balance, lock, paid_locked, returned = 100000, 100000, 0, 0
        for kind, amount in order:
            if kind == "pay" and balance >= amount:
                balance -= amount
                took = locked_credit.spent_from_lock(lock, amount)
                lock, paid_locked = lock - took, paid_locked + took
            elif kind == "earn":
                balance += amount
            elif kind == "give_refund" and balance >= amount:
                balance -= amount
                lock -= locked_credit.lock_released_by_refund(lock, balance)
            elif kind == "withdraw" and locked_credit.withdrawable(balance, lock) >= amount:
                balance -= amount
            elif kind == "get_refund":
                share = locked_credit.locked_share_of_refund(paid_locked, returned, amount)
                balance, lock, returned = balance + amount, lock + share, returned + share
            assert locked_credit.lock_problems("w", balance, lock) == [], (order, kind)


def test_reconcile_reports_a_lock_above_the_balance_or_below_zero():
    report = ledger.reconcile(
        {"e1": 0},
        {ledger.ISSUANCE: -1000, "w1": 900, "w2": 100},
        {"w1": 900, "w2": 100},
        1,
        {"w1": 901, "w2": -1},
    )
    assert report.problems == [
        "wallet w1 locked credit 901 exceeds its balance 900",
        "wallet w2 locked credit is negative: -1",
    ]
    ok = ledger.reconcile(
        {"e1": 0}, {ledger.ISSUANCE: -1000, "w1": 1000}, {"w1": 1000}, 1, {"w1": 1000}
    )
    assert ok.ok
