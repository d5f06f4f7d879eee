"""Platform fee revenue per day and per month, from the fee wallets' journal postings.
Pure: no I/O. A fee earned is a posting to a fee wallet (payment and withdrawal fees);
a fee given back (refunded with a payment, or a failed payout's fee) counts against the
day it was given back. Sweeps only move earned fees to the operating wallet: not income."""

from collections import defaultdict
from datetime import datetime


def fee_revenue(
    entries: list[dict], fee_wallets: set[str], sweep_kind: str
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """([(YYYY-MM-DD, net fees)], [(YYYY-MM, net fees)]), newest first."""
    days: dict[str, int] = defaultdict(int)
    months: dict[str, int] = defaultdict(int)
    for entry in entries:
        if entry["kind"] == sweep_kind:
            continue
        earned = sum(p["amount"] for p in entry["postings"] if p["account"] in fee_wallets)
        if not earned:
            continue
        at: datetime = entry["created_at"]
        days[at.strftime("%Y-%m-%d")] += earned
        months[at.strftime("%Y-%m")] += earned
    return sorted(days.items(), reverse=True), sorted(months.items(), reverse=True)


def sweep_amounts(balances: dict[str, int]) -> dict[str, int]:
    """What each fee wallet gives up in a sweep: its whole (settled) balance, if any."""
    return {code: balance for code, balance in sorted(balances.items()) if balance > 0}
