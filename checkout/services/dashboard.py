"""Use cases behind the merchant dashboard: sign-in with rate limits and revocable
sessions, and the read models its pages show. Money moves only through the existing
services (payments.create_session, wallets.create_wallet, ...)."""

import csv
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bson import ObjectId
from bson.errors import InvalidId

from .. import earnings, security, session_rules
from ..errors import InvalidCredentials, InvalidRequest
from ..money import to_major
from ..representations import mask_wallet
from ..statuses import TRANSACTION_TYPES, SessionStatus
from ..storage import dashboard_sessions as session_store
from ..storage import refunds as refund_store
from ..storage import reports
from . import Context, accounts, payments, utcnow
from .limits import verify_password_again
from .wallets import list_wallets, owned_wallet

SESSION_TTL = 12 * 3600
PAGE_SIZE = 25
MAX_SESSION_PAGE = 400
SESSION_STATUSES = tuple(SessionStatus)
# Kinds of transaction records the services write; the filter accepts only these.


# --- signing in and out -------------------------------------------------------------


async def sign_in(ctx: Context, email: str, password: str, client_ip: str) -> tuple[dict, str]:
    """Check the credentials under per-email and per-IP limits (counted before the
    password is checked); returns (account, new dashboard session id)."""
    account = (await accounts.login(ctx, email, password, client_ip or "unknown", dashboard=True))[
        "account"
    ]
    return account, await new_session(ctx, account)


async def sign_up(
    ctx: Context,
    organization: str,
    email: str,
    password: str,
    category: str,
    pin: str | None,
    client_ip: str | None,
) -> tuple[dict, str]:
    """The API's registration (same sign-up limit per address), then a dashboard session
    for the new account. Returns (registration result with the clear PIN, session id)."""
    result = await accounts.register(
        ctx, organization, email, password, category, pin, client_ip or "unknown"
    )
    return result, await new_session(ctx, result["account"])


async def new_session(ctx: Context, account: dict) -> str:
    """A fresh id on every sign-in: a session id planted before login is worthless after.
    The session keeps the account's token version of this moment (see signed_in_account)."""
    session_id = secrets.token_urlsafe(32)
    await session_store.create_session(
        ctx.redis, session_id, str(account["_id"]), SESSION_TTL, accounts.token_version(account)
    )
    return session_id


async def signed_in_account(ctx: Context, session_id: str | None) -> dict | None:
    if not session_id:
        return None
    found = await session_store.find_session(ctx.redis, session_id)
    if found is None:
        return None
    account_id, version = found
    account = await accounts.account_for_request(ctx, account_id)
    if account is None or version != accounts.token_version(account):
        return None  # signed in before a password or email change
    return account


async def sign_out(ctx: Context, session_id: str, account: dict) -> None:
    await session_store.delete_session(ctx.redis, session_id, str(account["_id"]))


async def check_password(ctx: Context, account: dict, password: str) -> None:
    """Re-entering the password for a sensitive change, under the same attempt limit as
    sign-in: a stolen cookie must not become a password oracle."""
    await verify_password_again(ctx, account, password, "The password is incorrect.")


async def change_password(ctx: Context, account: dict, current: str, new: str) -> str:
    """New password: every dashboard session and login token of the account ends; this
    browser goes on with the new session id returned."""
    await check_password(ctx, account, current)
    updated = await accounts.update_profile(ctx, account, password=new, current_password=current)
    return await new_session(ctx, updated)


async def update_profile(
    ctx: Context,
    account: dict,
    organization: str,
    email: str,
    category: str,
    current_password: str | None,
    notify_payments: bool | None = None,
) -> str | None:
    """Saves the profile. An email change ends every session and token like a password
    change: returns the new session id for this browser then, else None."""
    email_changes = email != account["email"]
    if email_changes:
        if not current_password:
            raise InvalidCredentials("Enter your current password to change your email.")
        await check_password(ctx, account, current_password)
    updated = await accounts.update_profile(
        ctx,
        account,
        organization=organization,
        category=category,
        email=email if email_changes else None,
        current_password=current_password if email_changes else None,
        notify_payments=notify_payments,
    )
    return await new_session(ctx, updated) if email_changes else None


async def reset_wallet_pin(
    ctx: Context, account: dict, wallet_code: str, password: str
) -> tuple[dict, str]:
    """A new generated PIN for one of the account's wallets; returned once, stored hashed.
    A wrong-PIN lock stays until it runs out: a reset does not hand guessers new tries."""
    wallet = await owned_wallet(ctx, account, wallet_code)
    await check_password(ctx, account, password)
    pin = security.new_pin()
    await reports.set_wallet_pin_hash(
        ctx.db,
        account["_id"],
        wallet["code"],
        security.pin_hash(ctx.settings.pin_pepper, wallet["code"], pin),
    )
    return wallet, pin


# --- read models ---------------------------------------------------------------------


def start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


CHART_DAYS = 30


async def overview(ctx: Context, account: dict) -> dict:
    """Balances, recent payments, and earnings for today, 7 and 30 days (UTC days), with
    the welcome credit apart from them; see checkout.earnings for what counts."""
    now = utcnow()
    today = start_of_day(now)
    currency = ctx.settings.currency
    since = today - timedelta(days=CHART_DAYS - 1)
    days = earnings.by_day(await reports.daily_sums(ctx.db, account["_id"], currency, since))
    return {
        "wallets": await list_wallets(ctx, account),
        "today": await reports.volume_since(ctx.db, account["_id"], today),
        "periods": [
            ("today", "Today", earnings.period(days, today.date(), 1)),
            ("week", "Last 7 days", earnings.period(days, today.date(), 7)),
            ("month", "Last 30 days", earnings.period(days, today.date(), CHART_DAYS)),
        ],
        "chart": earnings.chart(days, today.date(), CHART_DAYS),
        "welcome_credit": await reports.welcome_credit_total(ctx.db, account["_id"], currency),
        "recent": await reports.recent_paid_sessions(ctx.db, account["_id"], 5),
        "currency": currency,
        "now": now,
    }


async def list_sessions(
    ctx: Context, account: dict, status: str | None, search: str | None, page: int
) -> dict:
    if status is not None and status not in SESSION_STATUSES:
        raise InvalidRequest("Unknown status filter.")
    page = min(max(page, 1), MAX_SESSION_PAGE)
    now = utcnow()
    query = reports.session_query(account["_id"], status, search, now)
    rows = await reports.find_sessions(ctx.db, query, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
    return {
        "rows": rows[:PAGE_SIZE],
        "page": page,
        "has_more": len(rows) > PAGE_SIZE and page < MAX_SESSION_PAGE,
        "now": now,
    }


async def session_detail(ctx: Context, account: dict, session_id: str) -> dict:
    session = await payments.session_for_owner(ctx, account, session_id)
    own = {w["code"] for w in await list_wallets(ctx, account)}
    entries = []
    for entry in await reports.journal_for_session(ctx.db, session["_id"]):
        entries.append(
            {
                "id": str(entry["_id"]),
                "kind": entry["kind"],
                "currency": entry["currency"],
                "created_at": entry.get("created_at"),
                "postings": [
                    {
                        "account": posting_label(ctx, p["account"], own),
                        "amount": p["amount"],
                        "own": p["account"] in own,
                    }
                    for p in entry["postings"]
                ],
            }
        )
    refunds = await refund_store.list_refunds(ctx.db, session["_id"])
    now = utcnow()
    return {
        "session": session,
        "entries": entries,
        "refunds": refunds,
        "history": session_history(session, refunds, now),
        "refund_state": refund_state(session),
        "now": now,
    }


def refund_state(session: dict) -> str | None:
    """ "refunded" or "partially_refunded" for a paid session with refunds, else None."""
    refunded = session.get("refunded_amount", 0)
    if session["status"] != SessionStatus.COMPLETE or refunded <= 0:
        return None
    return "refunded" if refunded >= session["amount"] else "partially_refunded"


def session_history(session: dict, refunds: list[dict], now: datetime) -> list[dict]:
    """What happened to a payment, oldest first: created, paid, each refund, canceled or
    expired. Each row: {"at", "kind", "amount" (or None), "detail"}."""
    rows = [{"at": session["created_at"], "kind": "created", "amount": None, "detail": None}]
    if session.get("paid_at"):
        rows.append(
            {"at": session["paid_at"], "kind": "paid", "amount": session["amount"], "detail": None}
        )
    for refund in refunds:
        rows.append(
            {
                "at": refund["created_at"],
                "kind": "refund",
                "amount": refund["amount"],
                "detail": refund.get("reason"),
                "id": refund["_id"],
            }
        )
    if session.get("canceled_at"):
        rows.append(
            {"at": session["canceled_at"], "kind": "canceled", "amount": None, "detail": None}
        )
    elif session_rules.effective_status(session, now) == SessionStatus.EXPIRED:
        rows.append(
            {"at": session["expires_at"], "kind": "expired", "amount": None, "detail": None}
        )
    return sorted(rows, key=lambda row: row["at"])


def posting_label(ctx: Context, account_code: str, own: set[str]) -> str:
    if account_code in own:
        return account_code
    if account_code in ctx.settings.fee_wallets:
        return "Platform fees"
    masked = mask_wallet(account_code)
    assert masked is not None  # None only for an empty code; a posting always names one
    return masked


@dataclass(frozen=True)
class TransactionFilter:
    start: date | None = None
    end: date | None = None  # inclusive
    kind: str | None = None

    def query(self, account_id) -> dict:
        if self.kind is not None and self.kind not in TRANSACTION_TYPES:
            raise InvalidRequest("Unknown transaction type.")
        if self.start and self.end and self.start > self.end:
            raise InvalidRequest("The start date is after the end date.")
        start = datetime.combine(self.start, time(), UTC) if self.start else None
        end = datetime.combine(self.end, time(), UTC) + timedelta(days=1) if self.end else None
        return reports.transaction_query(account_id, start, end, self.kind)


def object_id(value: str | None, name: str) -> ObjectId | None:
    if value is None:
        return None
    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise InvalidRequest(f"{name} is not a valid cursor.") from None


async def list_transactions(
    ctx: Context,
    account: dict,
    filters: TransactionFilter,
    before: str | None = None,
    after: str | None = None,
) -> dict:
    query = filters.query(account["_id"])
    before_id, after_id = object_id(before, "before"), object_id(after, "after")
    rows = await reports.find_transactions(ctx.db, query, PAGE_SIZE + 1, before_id, after_id)
    if after_id is not None:
        has_newer = len(rows) > PAGE_SIZE
        rows = rows[1:] if has_newer else rows
        has_older = True
    else:
        has_older = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_newer = before_id is not None
    return {
        "rows": rows,
        "has_older": has_older and bool(rows),
        "has_newer": has_newer and bool(rows),
        "own_sessions": await own_sessions(ctx, account, rows),
    }


async def own_sessions(ctx: Context, account: dict, rows: list[dict]) -> set[str]:
    """Session ids among the rows that the account owns. Only those get a link to the
    session page: the payer's side of a payment or refund is another account's session,
    which that page answers 404."""
    return await reports.owned_session_ids(
        ctx.db, account["_id"], [r.get("session_id") for r in rows]
    )


CSV_COLUMNS = (
    "id",
    "created_at",
    "type",
    "direction",
    "amount",
    "fee",
    "currency",
    "wallet",
    "counterparty",
    "transaction_trace_id",
    "description",
)


def csv_safe(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: quote them as text."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def csv_line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


async def transactions_csv(ctx: Context, account: dict, filters: TransactionFilter):
    """The filtered set as CSV lines, read from a MongoDB cursor as they are sent:
    an export of a million rows holds one batch in memory, not a million."""
    query = filters.query(account["_id"])

    async def lines():
        yield csv_line(CSV_COLUMNS)
        async for r in reports.iterate_transactions(ctx.db, query):
            currency = r["currency"]
            yield csv_line(
                [
                    str(r["_id"]),
                    r["created_at"].isoformat(timespec="seconds").replace("+00:00", "Z"),
                    r["type"],
                    r["direction"],
                    to_major(r["amount"], currency),
                    to_major(r.get("fee", 0), currency),
                    currency,
                    r["wallet_code"],
                    csv_safe(mask_wallet(r.get("counterparty"))),
                    csv_safe(r.get("session_id")),
                    csv_safe(r.get("description")),
                ]
            )

    return lines()


async def wallet_statement(
    ctx: Context, account: dict, wallet_code: str, before: str | None = None
) -> dict:
    """Journal postings of a wallet, newest first, each with the balance after it."""
    wallet = await owned_wallet(ctx, account, wallet_code)
    code = wallet["code"]
    before_id = object_id(before, "before")

    async def read(session):
        # One snapshot: the balance and the postings must agree.
        balance = await reports.wallet_balance(ctx.db, code, session)
        entries = await reports.statement_entries(ctx.db, code, PAGE_SIZE + 1, before_id, session)
        newer = (
            await reports.sum_postings_from(ctx.db, code, before_id, session)
            if before_id is not None
            else 0
        )
        return balance, entries, newer

    balance, entries, newer = await ctx.stores.in_transaction(read)
    running = balance - newer
    rows = []
    for entry in entries[:PAGE_SIZE]:
        amount = sum(p["amount"] for p in entry["postings"] if p["account"] == code)
        rows.append(
            {
                "id": str(entry["_id"]),
                "kind": entry["kind"],
                "created_at": entry.get("created_at"),
                "session_id": entry.get("session_id"),
                "amount": amount,
                "balance": running,
            }
        )
        running -= amount
    return {
        "wallet": {**wallet, "balance": balance},
        "rows": rows,
        "own_sessions": await own_sessions(ctx, account, rows),
        "has_older": len(entries) > PAGE_SIZE,
        "has_newer": before_id is not None,
    }
