"""Reusable payment links. A visit only shows what would be paid; the shopper's Continue
(a POST with a CSRF token) opens a fresh payment session for the link's amount, under a
per-address limit, so previewers, crawlers and refreshes write nothing."""

from .. import branding, money, security, session_options
from ..errors import (
    InvalidRequest,
    MaxPaymentsBelowCompleted,
    PaymentLinkExhausted,
    PaymentLinkInactive,
    PaymentLinkNotFound,
)
from ..storage import accounts as account_store
from ..storage import payment_links as link_store
from . import Context, limits, owned_by, utcnow
from .payments import create_session
from .wallets import owned_wallet

MAX_LINKS_LISTED = 100


def new_link_code() -> str:
    return security.random_code("plink_", 14)


async def create_link(
    ctx: Context,
    account: dict,
    wallet_code,
    amount: int | None,
    description: str,
    success_url: str | None = None,
    max_payments: int | None = None,
    *,
    custom_amount: dict | None = None,
    cancel_url: str | None = None,
    metadata: dict | None = None,
) -> dict:
    """amount (minor units), or custom_amount: {minimum, maximum, preset} in minor units
    (session_options.custom_amount), when the shopper types the amount."""
    if (amount is None) == (custom_amount is None):
        raise InvalidRequest(
            "Send either amount or customAmount",
            fields=(["amount", "customAmount"] if amount is None else ["customAmount"]),
        )
    wallet = await owned_wallet(ctx, account, wallet_code)
    link = {
        "_id": new_link_code(),
        "account_id": account["_id"],
        "wallet_code": wallet["code"],
        "currency": wallet["currency"],
        "amount": amount,
        "custom_amount": custom_amount,
        "description": description,
        "success_url": success_url,
        "cancel_url": cancel_url,
        "metadata": metadata or {},
        "max_payments": max_payments,
        "completed_payments": 0,
        "active": True,
        "created_at": utcnow(),
        "deactivated_at": None,
    }
    await link_store.insert_link(ctx.db, link)
    return link


async def list_links(
    ctx: Context, account: dict, limit: int = MAX_LINKS_LISTED, starting_after: str | None = None
) -> dict:
    """Newest first, a page at a time, like the session list."""
    after = None
    if starting_after is not None:
        after = await link_store.find_link(ctx.db, starting_after)
        if after is None or after["account_id"] != account["_id"]:
            raise InvalidRequest(
                "startingAfter is not one of your payment links", field="startingAfter"
            )
    rows = await link_store.list_links(ctx.db, account["_id"], limit + 1, after)
    return {"data": rows[:limit], "has_more": len(rows) > limit}


async def link_for_owner(ctx: Context, account: dict, code) -> dict:
    link = await link_store.find_link(ctx.db, code)
    return owned_by(link, account, PaymentLinkNotFound)


async def deactivate_link(ctx: Context, account: dict, code) -> dict:
    link = await link_for_owner(ctx, account, code)
    await link_store.deactivate_link(ctx.db, link["_id"], utcnow())
    updated = await link_store.find_link(ctx.db, link["_id"])
    assert updated is not None  # links are never deleted, and this one was just found
    return updated


async def change_link(
    ctx: Context,
    account: dict,
    code,
    *,
    description: str | None = None,
    active: bool | None = None,
    max_payments: int | None = None,
) -> dict:
    """Change what a link shows or allows; None leaves a field as it is."""
    if description is None and active is None and max_payments is None:
        raise InvalidRequest(
            "Send at least one of description, active, maxPayments",
            fields=["description", "active", "maxPayments"],
        )
    link = await link_for_owner(ctx, account, code)
    changes: dict = {}
    if description is not None:
        changes["description"] = description
    if active is True:
        changes.update(active=True, deactivated_at=None)
    elif active is False and link["active"]:
        changes.update(active=False, deactivated_at=utcnow())
    changed = await link_store.change_link(ctx.db, link["_id"], changes, max_payments)
    if changed is None:
        raise MaxPaymentsBelowCompleted(field="maxPayments")
    return changed


def refuse_unusable(link: dict) -> None:
    if not link["active"]:
        raise PaymentLinkInactive()
    if link["max_payments"] is not None and link["completed_payments"] >= link["max_payments"]:
        raise PaymentLinkExhausted()


async def usable_link(ctx: Context, code) -> tuple[dict, dict]:
    """The link and its merchant account, or the reason it cannot be paid."""
    link = await link_store.find_link(ctx.db, code)
    if link is None:
        raise PaymentLinkNotFound()
    refuse_unusable(link)
    account = await account_store.find_account(ctx.db, str(link["account_id"]))
    if account is None:
        raise PaymentLinkInactive()
    return link, account


async def preview_link(ctx: Context, code) -> dict:
    """What the landing page shows (the checkout page's summary fields); writes nothing."""
    link, account = await usable_link(ctx, code)
    preview = {
        "merchant_name": branding.shopper_name(account),
        "branding": branding.shopper_view(account),
        "description": link["description"],
        "currency": link["currency"],
        "amount": link["amount"],
        "custom_amount": link.get("custom_amount"),
    }
    if link["amount"] is not None:
        fee = money.service_fee(link["amount"], ctx.settings.service_fee_percent)
        preview.update(fee=fee, total=link["amount"] + fee)
    return preview


async def open_session_from_link(
    ctx: Context, code, client_ip: str | None, amount: int | None = None
) -> tuple[dict, dict]:
    """A fresh payment session for one visitor who pressed Continue. Returns (link, session).

    amount is the shopper's, for a link with customAmount (CustomAmountOutOfRange outside
    its bounds); a fixed-amount link ignores it.

    Counted per client address first (RateLimited when over LINK_SESSIONS_PER_MINUTE).
    The count of completed payments rises inside each payment's transaction (see
    storage.payment_links.count_link_payment), so a link with maxPayments is never paid
    more often than that, however many visitors hold open sessions.
    """
    link, account = await usable_link(ctx, code)
    if link.get("custom_amount"):
        if amount is None:
            raise InvalidRequest("Missing required field: amount", fields=["amount"])
        amount = session_options.chosen_amount(amount, link["custom_amount"])
    else:
        amount = link["amount"]
    await limits.count_link_session(ctx, client_ip)
    session = await create_session(
        ctx,
        account,
        link["wallet_code"],
        amount,
        description=link["description"],
        success_url=link["success_url"],
        cancel_url=link.get("cancel_url"),
        metadata=link.get("metadata") or {},
        link_code=link["_id"],
    )
    return link, session
