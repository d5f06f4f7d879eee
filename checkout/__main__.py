"""Commands: python -m checkout serve | migrate | worker | reconcile | payouts list |
payouts mark ID paid|failed | operators create EMAIL --role admin|support |
topup WALLET AMOUNT --reference REF"""

import argparse
import asyncio
import sys

from pymongo.errors import PyMongoError
from redis.exceptions import RedisError

from .money import format_amount
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
            where, setting = redact(settings.mongo_uri), "MONGO_URI"
            if name == "Redis":
                where, setting = redact(settings.redis_url), "REDIS_URL"
                if settings.redis_sentinels:
                    where = f"the master {settings.redis_sentinel_master!r} of the sentinels"
                    where, setting = f"{where} {settings.redis_sentinels}", "REDIS_SENTINELS"
            raise StoreUnreachable(
                f"cannot reach {name} at {where} ({type(exc).__name__}). Is scripts/run "
                f"running? Otherwise set {setting}."
            ) from None
    return stores


def redact(url: str) -> str:
    """A store address without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.rpartition("@")[2]
    return scheme + sep + rest


class ReconcileRun:
    """A kept run (services/platform.run_reconcile) read like the report it came from."""

    def __init__(self, run: dict):
        self.entries_checked = run["entries_checked"]
        self.wallets_checked = run["wallets_checked"]
        self.total_issued = run["total_issued"]
        self.total_balances = run["total_balances"]
        self.ok = run["ok"]
        self.problems = run["problems"]  # the first 50
        self.problem_count = run["problem_count"]


async def run_reconcile(settings: Settings) -> int:
    from .security import Passwords
    from .services import Context, platform

    stores = await open_reachable_stores(settings)
    try:
        # Kept, like a run from the console, for the console's overview and for /metrics
        # (checkout_reconcile_ok): a scheduler runs this, Prometheus alerts.
        ctx = Context(
            stores=stores, settings=settings, passwords=Passwords(), dummy_password_hash=""
        )
        run = await platform.run_reconcile(ctx, "cli")
    finally:
        await stores.close()
    report = ReconcileRun(run)
    print(f"journal entries checked: {report.entries_checked}")
    print(f"wallets checked:         {report.wallets_checked}")
    print(f"total issued:            {format_amount(report.total_issued, settings.currency)}")
    print(f"total balances:          {format_amount(report.total_balances, settings.currency)}")
    if report.ok:
        print("reconciliation OK: every entry balances and every balance matches its postings")
        return 0
    print(f"reconciliation FAILED: {report.problem_count} problem(s)")
    for problem in report.problems:
        print(f"  - {problem}")
    return 1


async def run_migrate(settings: Settings) -> int:
    from .migrations import migrate

    stores = await open_reachable_stores(settings)
    try:
        before, after = await migrate(stores.db)
    finally:
        await stores.close()
    print(f"indexes: ensured on database {settings.mongo_db!r}")
    if before == after:
        print(f"schema version: {after} (already current)")
    else:
        print(f"schema version: {before} -> {after}")
    return 0


async def run_payouts(settings: Settings, args) -> int:
    import getpass

    from .errors import CheckoutError
    from .security import Passwords
    from .services import Context, withdrawals
    from .services.audit import Actor
    from .statuses import OperatorRole

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
            actor = Actor(None, f"cli:{getpass.getuser()}", OperatorRole.ADMIN)
            done = await withdrawals.settle(ctx, args.withdrawal_id, args.outcome, args.note, actor)
        except CheckoutError as exc:
            print(f"not marked: {exc.message}", file=sys.stderr)
            return 1
        returned = " (amount and fee returned to the wallet)" if done["status"] == "failed" else ""
        print(f"withdrawal {done['_id']} marked {done['status']}{returned}")
        return 0
    finally:
        await stores.close()


def cli_context(stores: Stores, settings: Settings):
    from .security import Passwords
    from .services import Context

    return Context(
        stores=stores,
        settings=settings,
        passwords=Passwords(settings.argon2_time_cost, settings.argon2_memory_cost),
        dummy_password_hash="",
    )


async def run_operators(settings: Settings, args) -> int:
    from .errors import CheckoutError
    from .services import operators

    stores = await open_reachable_stores(settings)
    try:
        from .migrations import ensure_indexes

        await ensure_indexes(stores.db)  # the unique email index guards this insert
        ctx = cli_context(stores, settings)
        try:
            if args.action == "create":
                operator, setup_password = await operators.create_operator(
                    ctx, args.email, args.role
                )
            elif args.action == "reset":
                operator, setup_password = await operators.reset_operator(ctx, args.email)
            else:
                operator = await operators.disable_operator(ctx, args.email)
                print(f"operator {operator['email']} disabled: no sign-in, sessions ended.")
                return 0
        except CheckoutError as exc:
            not_done = {"create": "created", "reset": "reset", "disable": "disabled"}
            print(f"not {not_done[args.action]}: {exc.message}", file=sys.stderr)
            return 1
    finally:
        await stores.close()
    done = "created" if args.action == "create" else "reset"
    print(f"operator {operator['email']} ({operator['role']}) {done}.")
    print(f"one-time setup password: {setup_password}")
    hours = int(operators.SETUP_PASSWORD_TTL.total_seconds() // 3600)
    print(
        f"sign in at {settings.public_base_url}/admin/login with it (no code) within {hours} h:"
        " the setup page enrols the authenticator app and sets a new password; the setup"
        " password then ends."
    )
    return 0


async def run_topup(settings: Settings, args) -> int:
    import getpass
    from decimal import Decimal, InvalidOperation

    from .errors import CheckoutError
    from .money import parse_amount
    from .services import topups
    from .services.audit import Actor
    from .statuses import OperatorRole

    try:
        amount = parse_amount(Decimal(args.amount), settings.currency)
    except (InvalidOperation, CheckoutError) as exc:
        message = getattr(exc, "message", "amount must be a number, e.g. 50.00")
        print(f"not topped up: {message}", file=sys.stderr)
        return 2
    stores = await open_reachable_stores(settings)
    actor = Actor(None, f"cli:{getpass.getuser()}", OperatorRole.ADMIN)
    try:
        done = await topups.top_up(
            cli_context(stores, settings), actor, args.wallet, amount, args.reference, args.reason
        )
    except CheckoutError as exc:
        print(f"not topped up: {exc.message}", file=sys.stderr)
        return 1
    finally:
        await stores.close()
    shown = f"{format_amount(done['amount'], done['currency'])} to {done['wallet_code']}"
    if done.get("repeated"):
        print(f"reference {done['reference']} was already used ({done['status']}): nothing new")
    elif done["status"] == "pending_approval":
        print(f"top-up {done['_id']} of {shown} waits for an admin's approval in the console")
    else:
        print(f"top-up {done['_id']}: credited {shown}")
    return 0


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        # Its own options (serve.py); each worker reads the settings in create_app.
        from .serve import main as serve

        return serve(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m checkout")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "serve", help="the web app: Hypercorn with hypercorn.toml, workers balanced (--help)"
    )
    commands.add_parser(
        "migrate", help="create the indexes and migrate the data (run by deploys, idempotent)"
    )
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
    ops = commands.add_parser("operators", help="operator accounts of the /admin console")
    op_actions = ops.add_subparsers(dest="action", required=True)
    create = op_actions.add_parser("create", help="a new operator with a one-time setup password")
    create.add_argument("email")
    create.add_argument("--role", choices=("admin", "support"), required=True)
    reset = op_actions.add_parser(
        "reset", help="a new setup password; TOTP enrolled again (a lost phone or password)"
    )
    reset.add_argument("email")
    disable = op_actions.add_parser("disable", help="end an operator's access")
    disable.add_argument("email")
    topup = commands.add_parser("topup", help="credit a merchant wallet from issuance")
    topup.add_argument("wallet")
    topup.add_argument("amount", help="in major units, e.g. 50.00")
    topup.add_argument("--reference", required=True, help="unique: never credits twice")
    topup.add_argument("--reason", help="why (kept in the audit log)")
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
    from .migrations import SchemaBehind

    try:
        if args.command == "migrate":
            return asyncio.run(run_migrate(settings))
        if args.command == "reconcile":
            return asyncio.run(run_reconcile(settings))
        if args.command == "worker":
            from .worker import main as run_worker

            return run_worker(settings)
        if args.command == "payouts":
            return asyncio.run(run_payouts(settings, args))
        if args.command == "operators":
            return asyncio.run(run_operators(settings, args))
        if args.command == "topup":
            return asyncio.run(run_topup(settings, args))
    except StoreUnreachable as exc:
        print(f"store unavailable: {exc}", file=sys.stderr)
        return 3
    except SchemaBehind as exc:
        print(f"not starting: {exc}", file=sys.stderr)
        return 4
    return 2


if __name__ == "__main__":
    sys.exit(main())
