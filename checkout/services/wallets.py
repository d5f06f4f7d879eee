from .. import ledger, security
from ..errors import WalletNotFound
from ..statuses import Kind
from ..storage import pending_credits as pending_store
from ..storage import wallets as wallet_store
from . import Context, owned_by, utcnow


def new_wallet(ctx: Context, account_id, name: str, pin: str | None) -> tuple[dict, str]:
    """A wallet document with a fresh code and the keyed hash of its PIN (given or generated).
    Returns (document, pin): the clear PIN goes back to the owner once and is never stored."""
    pin = security.check_pin_format(pin) if pin is not None else security.new_pin()
    code = security.new_wallet_code()
    doc = {
        "code": code,
        "account_id": account_id,
        "kind": "merchant",
        "name": name,
        "currency": ctx.settings.currency,
        "balance": 0,
        "pin_hash": security.pin_hash(ctx.settings.pin_pepper, code, pin),
        "created_at": utcnow(),
    }
    return doc, pin


async def create_wallet(ctx: Context, account: dict, name: str | None, pin: str | None):
    doc, pin = new_wallet(ctx, account["_id"], name or "Wallet", pin)
    await wallet_store.insert_wallet(ctx.db, doc)
    return doc, pin


async def list_wallets(ctx: Context, account: dict) -> list[dict]:
    return await with_pending_credits(ctx, await wallet_store.list_wallets(ctx.db, account["_id"]))


async def with_pending_credits(ctx: Context, wallets: list[dict]) -> list[dict]:
    """Wallets as their owners see them: "balance" is everything the wallet holds, the
    settled balance plus the payments it received that the settler has not added yet
    (the sum of its journal postings); "settled_balance" is what money out may spend.
    Only for display: the money paths work on the stored, settled balance."""
    totals = (
        await pending_store.pending_totals(ctx.db, [w["code"] for w in wallets]) if wallets else {}
    )
    for wallet in wallets:
        wallet["settled_balance"] = wallet["balance"]
        wallet["balance"] += totals.get(wallet["code"], 0)
    return wallets


async def owned_wallet(ctx: Context, account: dict, code) -> dict:
    """The caller's wallet `code`. Someone else's wallet gets the same 404 as an unknown
    code: a different answer would let any account probe which wallet codes exist."""
    wallet = await wallet_store.find_wallet(ctx.db, code) if isinstance(code, str) else None
    return owned_by(wallet, account, WalletNotFound)


# A wallet's owner and currency never change once it exists, so this process may
# remember them: creating a payment session then needs no wallet read from MongoDB.
_OWNER_AND_CURRENCY: dict[str, tuple] = {}
_OWNER_CACHE_SIZE = 10_000


async def owned_wallet_currency(ctx: Context, account: dict, code) -> str:
    """The currency of the caller's wallet `code`; WalletNotFound otherwise (as owned_wallet)."""
    known = _OWNER_AND_CURRENCY.get(code) if isinstance(code, str) else None
    if known is None:
        wallet = await owned_wallet(ctx, account, code)
        if len(_OWNER_AND_CURRENCY) >= _OWNER_CACHE_SIZE:
            _OWNER_AND_CURRENCY.clear()
        known = _OWNER_AND_CURRENCY[code] = (wallet["account_id"], wallet["currency"])
    owner, currency = known
    if owner != account["_id"]:
        raise WalletNotFound()
    return currency


async def issue_credit(uow, wallet: dict, amount: int, kind: str) -> None:
    """Money entering the closed loop (welcome credit, top-up): from the issuance account."""
    await uow.post(
        ledger.movement(
            kind,
            ledger.issuance_postings(wallet["code"], amount),
            [ledger.Line(wallet["account_id"], wallet["code"], "credit", amount)],
            wallet["currency"],
            utcnow(),
            "Welcome credit" if kind == Kind.WELCOME_CREDIT else kind,
        )
    )
