"""Who did what in the operator console (or the operator CLI), kept append-only."""

from dataclasses import dataclass

from ..storage import audit as audit_store
from . import Context, utcnow


@dataclass(frozen=True)
class Actor:
    """The operator behind an action; the CLI acts as "cli:<user>" with no operator id."""

    operator_id: object
    email: str
    role: str
    client_ip: str | None = None


def operator_actor(operator: dict, client_ip: str | None) -> Actor:
    return Actor(operator["_id"], operator["email"], operator["role"], client_ip)


async def record(
    ctx: Context,
    actor: Actor,
    action: str,
    target: str | None,
    reason: str | None = None,
    session=None,
    **details,
) -> None:
    """One audit entry; with `session`, it commits (or not) with the change it describes."""
    await audit_store.append(
        ctx.db,
        {
            "at": utcnow(),
            "operator_id": actor.operator_id,
            "operator": actor.email,
            "role": actor.role,
            "action": action,
            "target": target,
            "reason": reason,
            "client_ip": actor.client_ip,
            "details": details,
        },
        session,
    )


async def latest(ctx: Context, limit: int = 200) -> list[dict]:
    return await audit_store.latest(ctx.db, limit)
