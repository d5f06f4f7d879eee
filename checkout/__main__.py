"""Operator commands: python -m checkout reconcile"""
import argparse
import asyncio
import sys

from .money import format_amount
from .services.reconcile import reconcile
from .settings import Settings, SettingsError
from .stores import open_stores


async def run_reconcile(settings: Settings) -> int:
    stores = await open_stores(settings)
    try:
        report = await reconcile(stores)
    finally:
        await stores.close()
    print(f"journal entries checked: {report.entries_checked}")
    print(f"wallets checked:         {report.wallets_checked}")
    print(f"total issued:            {format_amount(report.total_issued, settings.currency)}")
    print(f"total balances:          {format_amount(report.total_balances, settings.currency)}")
    if report.ok:
        print("reconciliation OK: every entry balances and every balance matches its postings")
        return 0
    print(f"reconciliation FAILED: {len(report.problems)} problem(s)")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkout")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("reconcile", help="check that the ledger balances")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if args.command == "reconcile":
        return asyncio.run(run_reconcile(settings))
    return 2


if __name__ == "__main__":
    sys.exit(main())
