"""Payouts in the console: the pending withdrawals with their merchants and masked
destinations, marking them paid or failed (withdrawals.settle: exactly once), and the
pending batch as a CSV for the bank (the one place the full destination is shown)."""

from ..destinations import mask_destination
from ..money import to_major
from ..storage import console as console_store
from . import Context, withdrawals
from .audit import Actor, record
from .dashboard import csv_line
from .dashboard import csv_safe as safe_cell
from .topups import require_admin

CSV_COLUMNS = (
    "withdrawal_id",
    "created_at",
    "merchant",
    "merchant_email",
    "wallet_code",
    "amount",
    "currency",
    "destination_type",
    "iban",
    "holder_name",
    "reference",
)


async def pending(ctx: Context) -> list[dict]:
    found = await withdrawals.pending_withdrawals(ctx)
    owners = await console_store.find_accounts(ctx.db, [w["account_id"] for w in found])
    return [
        {
            **w,
            "merchant": owners.get(w["account_id"]),
            "masked_destination": mask_destination(w.get("destination")),
        }
        for w in found
    ]


async def settle(
    ctx: Context, actor: Actor, withdrawal_id: str, outcome: str, note: str | None
) -> dict:
    require_admin(actor)
    return await withdrawals.settle(ctx, withdrawal_id, outcome, note, actor)


async def pending_csv(ctx: Context, actor: Actor) -> str:
    """The pending batch for the bank, full destinations included (the export is audited)."""
    rows = await pending(ctx)
    lines = [csv_line(CSV_COLUMNS)]
    for w in rows:
        destination = w.get("destination") or {}
        merchant = w["merchant"] or {}
        lines.append(
            csv_line(
                [
                    w["_id"],
                    w["created_at"].isoformat(),
                    safe_cell(merchant.get("organization", "")),
                    safe_cell(merchant.get("email", "")),
                    w["wallet_code"],
                    str(to_major(w["amount"], w["currency"])),
                    w["currency"],
                    destination.get("type", ""),
                    destination.get("iban", ""),
                    safe_cell(destination.get("holder_name", "")),
                    safe_cell(destination.get("reference", "")),
                ]
            )
        )
    await record(ctx, actor, "payouts.export", None, None, withdrawals=len(rows))
    return "".join(lines)
