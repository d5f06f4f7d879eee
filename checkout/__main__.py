"""Operator commands: python -m checkout reconcile | payouts list | payouts mark ID paid|failed"""

import argparse
import asyncio
import sys

from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from .money import format_amount
from .services.reconcile import reconcile
from .settings import LOCAL_STORES_FILE, Settings, SettingsError, load_local_settings
from .stores import Stores, open_stores


class StoreUnreachable(Exception):
    pass


async def open_reachable_stores(settings: Settings) -> Stores:
    """The stores, after one ping each: an operator gets a clear line at once, not a
    transaction retried for two minutes and a traceback."""
    stores = await open_stores(settings)
    for name, ping in (("MongoDB", stores.db.command("ping")), ("Redis", stores.redis.ping())):
        try:
            await ping
        except (PyMongoError, RedisError, OSError) as exc:
            await stores.close()
            where = settings.mongo_uri if name == "MongoDB" else settings.redis_url
            raise StoreUnreachable(
                f"cannot reach {name} at {redact(where)} ({type(exc).__name__}). Is scripts/run "
                f"running? Otherwise set {'MONGO_URI' if name == 'MongoDB' else 'REDIS_URL'}."
            ) from None
    return stores


def redact(url: str) -> str:
    """A store address without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return scheme + sep + rest


async def run_reconcile(settings: Settings) -> int:
    stores = await open_reachable_stores(settings)
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


async def run_payouts(settings: Settings, args) -> int:
    from .errors import CheckoutError
    from .security import Passwords
    from .services import Context, withdrawals

    stores = await open_reachable_stores(settings)
    ctx = Context(stores=stores, settings=settings, passwords=Passwords(), dummy_password_hash="")
    try:
        if args.action == "list":
            pending = await withdrawals.pending_withdrawals(ctx)
            print(f"pending withdrawals: {len(pending)}")
            for w in pending:
                print(
                    f"{w['_id']}  {w['created_at']:%Y-%m-%d %H:%M:%S}  {w['wallet_code']}  "
                    f"{format_amount(w['amount'], w['currency'])}  "
                    f"(fee {format_amount(w['fee'], w['currency'])})"
                )
            return 0
        try:
            done = await withdrawals.settle(ctx, args.withdrawal_id, args.outcome, args.note)
        except CheckoutError as exc:
            print(f"not marked: {exc.message}", file=sys.stderr)
            return 1
        returned = " (amount and fee returned to the wallet)" if done["status"] == "failed" else ""
        print(f"withdrawal {done['_id']} marked {done['status']}{returned}")
        return 0
    finally:
        await stores.close()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkout")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("reconcile", help="check that the ledger balances")
    commands.add_parser("worker", help="deliver webhooks, expire sessions, relay events, send mail")
    catcher = commands.add_parser(
        "mail-catcher", help="local development: an SMTP server that keeps mail as .eml files"
    )
    catcher.add_argument("--host", default="127.0.0.1")
    catcher.add_argument("--port", type=int, default=1025)
    catcher.add_argument("--dir", default="var/mail", help="folder for the .eml files")
    payouts = commands.add_parser(
        "payouts", help="list pending withdrawals, mark them paid or failed"
    )
    actions = payouts.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="pending withdrawals, oldest first")
    mark = actions.add_parser("mark", help="mark one withdrawal paid, or failed (refunds it)")
    mark.add_argument("withdrawal_id")
    mark.add_argument("outcome", choices=("paid", "failed"))
    mark.add_argument("--note", help="why (kept with the withdrawal)")
    args = parser.parse_args(argv)
    if args.command == "mail-catcher":  # needs no settings and no stores
        from .mail_catcher import main as run_catcher

        return run_catcher(args.host, args.port, args.dir)
    # Run from the project folder after scripts/run: use the secrets it generated in ./var
    # and the store addresses it used.
    load_local_settings(path=LOCAL_STORES_FILE)
    load_local_settings()
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    try:
        if args.command == "reconcile":
            return asyncio.run(run_reconcile(settings))
        if args.command == "worker":
            from .worker import main as run_worker

            return run_worker(settings)
        if args.command == "payouts":
            return asyncio.run(run_payouts(settings, args))
    except StoreUnreachable as exc:
        print(f"store unavailable: {exc}", file=sys.stderr)
        return 3
    return 2


if __name__ == "__main__":
    sys.exit(main())
