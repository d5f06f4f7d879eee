"""Double-entry rules. Pure: builds and checks journal postings, no I/O.

Every movement of money is one journal entry whose postings sum to zero. A posting
names an account: a wallet code, or a system account such as ISSUANCE, which is the
source of all money that enters the closed loop (welcome credits, top-ups).
"""

import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from .locked_credit import lock_problems

SYSTEM_PREFIX = "system:"
ISSUANCE = SYSTEM_PREFIX + "issuance"


class UnbalancedEntry(ValueError):
    pass


@dataclass(frozen=True)
class Posting:
    account: str
    amount: int  # minor units; positive credits the account, negative debits it

    def as_document(self) -> dict[str, Any]:
        return {"account": self.account, "amount": self.amount}


def entry(kind: str, postings: list[Posting], currency: str, **refs: Any) -> dict[str, Any]:
    """A journal entry document, refusing anything that does not balance."""
    check_balanced(postings)
    return {
        "kind": kind,
        "currency": currency,
        "postings": [p.as_document() for p in postings],
        **refs,
    }


@dataclass(frozen=True)
class Line:
    """One side of a movement as a wallet's owner sees it: a row of their transaction list.
    Platform fee wallets and system accounts have no owner and get no line."""

    account_id: object
    wallet_code: str
    direction: str  # "debit" or "credit"
    amount: int  # minor units, positive
    fee: int = 0
    counterparty: str | None = None


@dataclass(frozen=True)
class Refs:
    """What a movement belongs to; copied to its entry and to each of its rows."""

    session_id: str | None = None
    refund_id: str | None = None
    withdrawal_id: str | None = None


def movement(
    kind: str,
    postings: list[Posting],
    lines: list[Line],
    currency: str,
    created_at: datetime,
    description: str | None,
    refs: Refs = Refs(),
    row_type: str | None = None,
) -> dict[str, Any]:
    """The one builder of a money movement: {"entry": journal entry, "rows": transaction
    rows}. The entry must balance; each line must match its wallet's postings, so the
    transaction lists always agree with the journal (reconcile checks that too)."""
    entry_id = ObjectId()
    ids = {
        k: v
        for k, v in (
            ("session_id", refs.session_id),
            ("refund_id", refs.refund_id),
            ("withdrawal_id", refs.withdrawal_id),
        )
        if v is not None
    }
    doc = entry(kind, postings, currency, _id=entry_id, created_at=created_at, **ids)
    posted: dict[str, int] = {}
    for p in postings:
        posted[p.account] = posted.get(p.account, 0) + p.amount
    for line in lines:
        signed = line.amount if line.direction == "credit" else -line.amount
        if line.amount <= 0 or posted.get(line.wallet_code) != signed:
            raise UnbalancedEntry(f"line for {line.wallet_code} does not match its postings")
    rows = [
        {
            "account_id": line.account_id,
            "wallet_code": line.wallet_code,
            "type": row_type or kind,
            "direction": line.direction,
            "amount": line.amount,
            "fee": line.fee,
            "currency": currency,
            "counterparty": line.counterparty,
            "session_id": refs.session_id,
            "refund_id": refs.refund_id,
            "withdrawal_id": refs.withdrawal_id,
            "journal_id": entry_id,
            "description": description,
            "created_at": created_at,
        }
        for line in lines
    ]
    return {"entry": doc, "rows": rows}


def check_balanced(postings: list[Posting]) -> None:
    if len(postings) < 2:
        raise UnbalancedEntry("an entry needs at least two postings")
    for p in postings:
        if not isinstance(p.amount, int) or isinstance(p.amount, bool) or p.amount == 0:
            raise UnbalancedEntry(f"posting for {p.account} must be a non-zero int")
    total = sum(p.amount for p in postings)
    if total != 0:
        raise UnbalancedEntry(f"postings sum to {total}, not 0")


def issuance_postings(wallet_code: str, amount: int) -> list[Posting]:
    return [Posting(ISSUANCE, -amount), Posting(wallet_code, amount)]


def fee_wallet_for(fee_wallets: list[str], key: str) -> str:
    """The fee wallet for one payment (keyed by session id, so its refund finds it again).
    Spreading fees keeps concurrent payments from all writing one hot document."""
    return fee_wallets[zlib.crc32(key.encode()) % len(fee_wallets)]


def payment_postings(
    payer: str, payee: str, fee_wallet: str, amount: int, fee: int
) -> list[Posting]:
    """The shopper pays amount + fee; the merchant gets the amount, the platform the fee."""
    postings = [Posting(payer, -(amount + fee)), Posting(payee, amount)]
    if fee:
        postings.append(Posting(fee_wallet, fee))
    return postings


PAYOUTS_CLEARING = SYSTEM_PREFIX + "payouts-clearing"


def refund_postings(
    payee: str, payer: str, fee_wallet: str, amount: int, fee: int = 0
) -> list[Posting]:
    """The merchant gives back amount; the platform gives back fee (0 unless fees are refunded)."""
    postings = [Posting(payee, -amount), Posting(payer, amount + fee)]
    if fee:
        postings.append(Posting(fee_wallet, -fee))
    return postings


def withdrawal_postings(wallet: str, fee_wallet: str, amount: int, fee: int) -> list[Posting]:
    """amount + fee leave the wallet: the amount waits in payouts clearing, the fee is earned."""
    postings = [Posting(wallet, -(amount + fee)), Posting(PAYOUTS_CLEARING, amount)]
    if fee:
        postings.append(Posting(fee_wallet, fee))
    return postings


def withdrawal_paid_postings(amount: int) -> list[Posting]:
    """Paid out: the money leaves the closed loop, so it goes back to issuance."""
    return [Posting(PAYOUTS_CLEARING, -amount), Posting(ISSUANCE, amount)]


def withdrawal_reversal_postings(
    wallet: str, fee_wallet: str, amount: int, fee: int
) -> list[Posting]:
    """A failed payout: the exact opposite of the withdrawal, fee included."""
    return [
        Posting(p.account, -p.amount) for p in withdrawal_postings(wallet, fee_wallet, amount, fee)
    ]


def refunded_fee_share(fee: int, amount: int, refunded_before: int, refund: int) -> int:
    """The part of the fee that goes back with this refund when fees are refunded.

    Computed from cumulative totals (round half up), so partial refunds that add up to
    the amount give back exactly the whole fee, never a cent more or less.
    """

    def share(refunded: int) -> int:
        return (fee * refunded * 2 + amount) // (2 * amount)

    return share(refunded_before + refund) - share(refunded_before)


EntryWallet = tuple[str, str]  # (journal entry id, wallet code)


def row_problems(posted: dict[EntryWallet, int], rows: dict[EntryWallet, int]) -> list[str]:
    """Compare, per (entry id, owned wallet), the journal's postings with the owners'
    transaction rows (credits minus debits)."""
    return [
        f"journal entry {entry} moved {posted.get((entry, wallet), 0)} for wallet {wallet}"
        f" but its transaction rows say {rows.get((entry, wallet), 0)}"
        for entry, wallet in sorted(set(posted) | set(rows))
        if posted.get((entry, wallet), 0) != rows.get((entry, wallet), 0)
    ]


@dataclass(frozen=True)
class ReconciliationReport:
    problems: list[str]
    total_balances: int
    total_issued: int
    entries_checked: int
    wallets_checked: int

    @property
    def ok(self) -> bool:
        return not self.problems


def reconcile(
    entry_sums: dict[str, int],
    posting_totals: dict[str, int],
    wallet_balances: dict[str, int],
    entries_checked: int,
    locked: dict[str, int] | None = None,
    pending: dict[str, int] | None = None,
) -> ReconciliationReport:
    """Compare what the journal says with what the wallets hold.

    entry_sums: journal id -> sum of its postings (every one must be 0)
    posting_totals: account -> sum of all its postings
    wallet_balances: wallet code -> stored (settled) balance
    locked: wallet code -> its locked welcome credit (wallets without a lock may be absent)
    pending: wallet code -> sum of its pending credits, recorded by payments and not yet
        settled (wallets with none may be absent). A wallet holds settled + pending.
    """
    pending = pending or {}
    problems = [f"journal entry {jid} postings sum to {s}" for jid, s in entry_sums.items() if s]
    system = {a: t for a, t in posting_totals.items() if a.startswith(SYSTEM_PREFIX)}
    for code in sorted(set(wallet_balances) | (set(posting_totals) - set(system)) | set(pending)):
        stored = wallet_balances.get(code)
        waiting = pending.get(code, 0)
        posted = posting_totals.get(code, 0)
        if stored is None:
            problems.append(f"postings name unknown wallet {code} (total {posted})")
        elif stored + waiting != posted:
            problems.append(
                f"wallet {code} balance {stored} + pending credits {waiting}"
                f" != sum of its postings {posted}"
                if waiting
                else f"wallet {code} balance {stored} != sum of its postings {posted}"
            )
        elif stored < 0:
            problems.append(f"wallet {code} balance is negative: {stored}")
        if waiting < 0:
            problems.append(f"wallet {code} pending credits are negative: {waiting}")
    for code, lock in sorted((locked or {}).items()):
        # Against the settled balance: only settled money can be spent or withdrawn.
        problems += lock_problems(code, wallet_balances.get(code, 0), lock)
    # Money held by system accounts other than issuance (e.g. payouts in clearing)
    # is still owned by someone, so it counts beside the wallets.
    total_balances = (
        sum(wallet_balances.values())
        + sum(pending.values())
        + sum(t for a, t in system.items() if a != ISSUANCE)
    )
    total_issued = -system.get(ISSUANCE, 0)
    if total_balances != total_issued:
        problems.append(f"total balances {total_balances} != total issued {total_issued}")
    return ReconciliationReport(
        problems, total_balances, total_issued, entries_checked, len(wallet_balances)
    )
