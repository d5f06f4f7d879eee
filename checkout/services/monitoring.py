"""Store-wide figures for /metrics, read when Prometheus scrapes."""

from prometheus_client.core import Metric

from ..metrics import gauge
from ..storage import backlogs
from ..storage import platform as platform_store
from . import Context


async def store_figures(ctx: Context) -> list[Metric]:
    undispatched = await backlogs.count_undispatched_events(ctx.db)
    unsettled = await backlogs.count_unsettled_entries(ctx.db)
    waiting = await backlogs.count_waiting_deliveries(ctx.db)
    lag, pending = await backlogs.stream_group_state(ctx.redis)
    figures: list[Metric] = [
        gauge(
            "checkout_outbox_backlog",
            "Events committed but not yet fanned out to webhook deliveries.",
            undispatched,
        ),
        gauge(
            "checkout_event_stream_lag",
            "Stream entries no worker of the webhook consumer group has read yet.",
            lag,
        ),
        gauge(
            "checkout_event_stream_pending",
            "Stream entries read by a worker and not yet acknowledged.",
            pending,
        ),
        gauge(
            "checkout_settlement_backlog",
            "Journal entries whose credits wait for the settler.",
            unsettled,
        ),
    ]
    family = gauge(
        "checkout_webhook_deliveries_waiting",
        "Webhook deliveries still to send (pending) or held back (paused).",
        waiting["pending"],
        {"state": "pending"},
    )
    family.add_metric(["paused"], waiting["paused"])
    figures.append(family)
    last = await platform_store.last_reconcile_run(ctx.db)
    if last is not None:
        figures += [
            gauge(
                "checkout_reconcile_ok",
                "1 if the last `python -m checkout reconcile` found the ledger balanced.",
                1 if last["ok"] else 0,
            ),
            gauge(
                "checkout_reconcile_problems",
                "Problems the last reconcile found.",
                last["problem_count"],
            ),
            gauge(
                "checkout_reconcile_last_run_timestamp_seconds",
                "When the last reconcile finished (Unix time).",
                last["at"].timestamp(),
            ),
        ]
    return figures
