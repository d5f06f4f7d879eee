"""A merchant's branding: what the checkout page, the payment-link page and the receipt show
(checkout/branding.py has the rules, checkout/logos.py the image handling)."""

import asyncio

from .. import branding, logos
from ..storage import accounts as account_store
from ..storage import logos as logo_store
from . import Context, forget_account, utcnow
from .accounts import require_merchant

FIELDS = tuple(branding.CHECKS)
KEEP = object()  # save_branding's logo argument: leave the logo as it is


async def save_branding(
    ctx: Context, account: dict, changes: dict, logo: bytes | object | None = KEEP
) -> dict:
    """changes: some of FIELDS, each a value to check and keep, or None/"" to clear it.
    logo: the uploaded file's bytes, None to remove the logo, or KEEP. Everything is
    checked before anything is written, so a refused field or file changes nothing.
    Returns the account as it is after."""
    require_merchant(account)
    current = dict(account.get("branding") or {})
    for name, value in changes.items():
        if value is None or value == "":
            current.pop(name, None)
        else:
            current[name] = branding.CHECKS[name](value)
    if logo is None:
        current.pop("logo", None)
    elif isinstance(logo, bytes):
        # Decoding is CPU work: a thread keeps the event loop free.
        clean = await asyncio.to_thread(logos.clean_logo, logo)
        # A replaced logo stays served: receipts of sessions made with it still name it.
        await logo_store.save_logo(
            ctx.db, clean.name, clean.data, clean.content_type, account["_id"], utcnow()
        )
        current["logo"] = clean.name
    await account_store.update_account(ctx.db, account["_id"], {"branding": current})
    await forget_account(ctx, account["_id"])  # new sessions copy the branding at once
    return {**account, "branding": current}


async def logo_file(ctx: Context, name: str) -> dict | None:
    if "." not in name or name.rsplit(".", 1)[1] not in logos.CONTENT_TYPES:
        return None
    return await logo_store.find_logo(ctx.db, name)
