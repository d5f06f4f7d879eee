"""Use cases. Each takes a Context (stores, settings, password hasher) as its first argument."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import NotFound
from ..security import Passwords
from ..settings import Settings
from ..storage import account_cache
from ..stores import STORE_ERRORS, Stores

log = logging.getLogger(__name__)


@dataclass
class Context:
    stores: Stores
    settings: Settings
    passwords: Passwords
    # Verified against when a login names an unknown email, so that answer takes as
    # long as a wrong password and does not reveal which emails have accounts.
    dummy_password_hash: str
    # The process's group commit of payments (services/pay_batch.py), made on first use;
    # a Context derived with dataclasses.replace starts its own.
    pay_batcher: Any = field(default=None, init=False, repr=False, compare=False)

    @property
    def db(self):
        return self.stores.db

    @property
    def redis(self):
        return self.stores.redis


def owned_by(record: dict | None, account: dict, not_found: type[NotFound]) -> dict:
    """The one answer for "not yours": the same 404 as "does not exist", so no account can
    learn which ids, codes or links exist elsewhere."""
    if record is None or record.get("account_id") != account["_id"]:
        raise not_found()
    return record


def utcnow() -> datetime:
    # MongoDB keeps milliseconds: truncate so a value read back compares equal.
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


async def forget_account(ctx: Context, account_id) -> None:
    """After every write to an account: requests read it from MongoDB again, not from its
    Redis copy (storage/account_cache.py)."""
    try:
        await account_cache.forget_account(ctx.redis, account_id)
    except STORE_ERRORS:
        # The copy expires by itself (account_cache.SECONDS); say so loudly meanwhile.
        log.error("could not drop the cached copy of account %s", account_id)
