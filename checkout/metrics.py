"""Prometheus metrics: what each process counts, and what a scrape reads from the stores.

Counters and histograms live in the process that counts (every Hypercorn worker, every
`python -m checkout worker`). With PROMETHEUS_MULTIPROC_DIR set, prometheus-client keeps
them in files in that directory and a scrape of any one worker adds up every process on
the host; scripts/run empties the directory before it starts anything. Without it (tests
in one process) they stay in memory.

Store-wide figures (outbox backlog, stream lag, settler backlog, reconcile status) are read
at scrape time by the worker that answers: they are the same whichever process reads them,
so summing them over processes would be wrong.

Labels stay low-cardinality on purpose: a route template, never a raw path; an error code
from checkout/errors.py, never a message; no account, wallet or session ids.
"""

import os
from collections.abc import Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
# prometheus-client writes there from the first metric on and fails if it is missing.
if os.environ.get(MULTIPROCESS_DIR):
    os.makedirs(os.environ[MULTIPROCESS_DIR], exist_ok=True)
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED_ROUTE = "unmatched"

REQUESTS = Counter(
    "checkout_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "checkout_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
IN_PROGRESS = Gauge(
    "checkout_http_requests_in_progress",
    "HTTP requests being answered now, by route template.",
    ["route"],
    multiprocess_mode="livesum",
)
PAYMENTS = Counter(
    "checkout_payments_total",
    "Payment attempts by outcome: paid, or the error code that refused them.",
    ["outcome"],
)
PAY_SECONDS = Histogram(
    "checkout_pay_duration_seconds",
    "Time to pay a session (PIN check, group commit), whatever the outcome.",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PIN_LOCKOUTS = Counter("checkout_pin_lockouts_total", "Wallets locked after too many wrong PINs.")
WEBHOOK_ATTEMPTS = Counter(
    "checkout_webhook_attempts_total",
    "Webhook delivery attempts by the delivery's state after them: succeeded, pending "
    "(a retry is scheduled), failed (no attempts left) or paused (endpoint disabled).",
    ["state"],
)


def method_label(method: str) -> str:
    """A request's method as a label: anything unusual is one value, not one per client."""
    return method if method in KNOWN_METHODS else "other"


def process_metrics() -> bytes:
    """The counters and histograms of every process sharing the multiprocess directory
    (or of this process alone without one), in the text exposition format."""
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def exposition(families: Iterable[Metric]) -> bytes:
    """Metric families read at scrape time, in the text exposition format."""

    class Snapshot:
        def collect(self):
            return families

    registry = CollectorRegistry(auto_describe=False)
    registry.register(Snapshot())
    return generate_latest(registry)


def gauge(
    name: str, documentation: str, value: float, labels: dict | None = None
) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, documentation, labels=list(labels or {}))
    family.add_metric(list((labels or {}).values()), value)
    return family


def process_stopped() -> None:
    """Drop this process's live gauges (in-progress requests) from the shared directory."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(os.getpid())
