"""Locked credit: the demo welcome credit may be spent inside the closed loop, but the
account that received it can never take it out through a withdrawal, by any path.
Pure rules, no I/O.

A wallet's `locked_credit` is the part of its balance that is still welcome credit, and
0 <= locked_credit <= balance always holds:
- a payment spends the locked part first (the lock falls by what the payment spends), and
  the payee receives that part locked too (up to the amount it is paid): credit stays credit
  whoever holds it, so a shopper cannot pay a merchant account of their own to turn it into
  withdrawable earnings;
- a withdrawal may spend only the rest, balance - locked_credit;
- a refund a merchant gives spends the merchant's unlocked money (its earnings) first, so
  giving a refund never unlocks the merchant's own credit;
- a refund lowers the merchant's lock by the locked part it gives back (it had received
  that part locked);
- a refund gives the payer back, as locked, the locked part of what the payer paid
  (locked part first), so paying a merchant and being refunded cannot launder credit;
- a payment between two wallets of one account is refused (errors.SameAccount), so credit
  cannot be moved into a wallet that has no lock.
"""


def withdrawable(balance: int, locked: int) -> int:
    return balance - locked


def spent_from_lock(locked: int, spent: int) -> int:
    """How much of a payment of `spent` comes out of the lock: all it can, first."""
    return min(locked, spent)


def locked_share_for_payee(spent_from_lock: int, amount: int) -> int:
    """The part of a payment's amount the payee receives as locked credit: what the payer
    spent from its lock, up to the amount (the rest of the lock paid the service fee)."""
    return min(spent_from_lock, amount)


def payee_lock_after_refund(locked: int, balance_after: int, returned_locked: int) -> int:
    """The merchant's lock after a refund: lower by the locked part going back to the payer,
    and never above the balance that is left (its unlocked money was spent first)."""
    return max(0, min(locked - returned_locked, balance_after))


def lock_released_by_refund(locked: int, balance_after: int) -> int:
    """How far a merchant's lock falls when it gives a refund that left `balance_after`.

    Unlocked money goes first, so the lock only falls by what the unlocked part could not
    cover, which is exactly what keeps locked <= balance."""
    return max(locked - balance_after, 0)


def locked_share_of_refund(locked_paid: int, locked_returned: int, amount_back: int) -> int:
    """The part of `amount_back` that goes back to the payer as locked: the payment's locked
    part first, never more than the payment took from the payer's lock in total."""
    return max(min(locked_paid - locked_returned, amount_back), 0)


def lock_problems(code: str, balance: int, locked: int) -> list[str]:
    """What reconcile reports about one wallet's lock."""
    if locked < 0:
        return [f"wallet {code} locked credit is negative: {locked}"]
    if locked > balance:
        return [f"wallet {code} locked credit {locked} exceeds its balance {balance}"]
    return []
