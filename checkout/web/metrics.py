"""GET /metrics for Prometheus, behind METRICS_TOKEN; request counts and latencies."""

import hmac
import time

from quart import Blueprint, Quart, Response, g, request
from werkzeug.exceptions import NotFound

from .. import metrics
from ..errors import Unauthenticated
from ..services import monitoring
from . import context

blueprint = Blueprint("metrics", __name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@blueprint.get("/metrics")
async def scrape():
    token = context().settings.metrics_token
    if not token:  # never public by default: as if there were no such page
        raise NotFound()
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Unauthenticated("Send the METRICS_TOKEN as `Authorization: Bearer <token>`.")
    figures = await monitoring.store_figures(context())
    body = metrics.process_metrics() + metrics.exposition(figures)
    return Response(body, content_type=CONTENT_TYPE)


def register_request_metrics(app: Quart) -> None:
    """Count and time every request by its route template (/checkout/<session_id>, not
    the id itself): a label per raw path would grow without bound."""

    @app.before_request
    async def start():
        g.metrics_route = route()
        g.metrics_started = time.perf_counter()
        metrics.IN_PROGRESS.labels(g.metrics_route).inc()

    @app.after_request
    async def count(response):
        started = g.get("metrics_started")
        if started is not None:
            method = metrics.method_label(request.method)
            metrics.REQUESTS.labels(method, g.metrics_route, str(response.status_code)).inc()
            metrics.REQUEST_SECONDS.labels(method, g.metrics_route).observe(
                time.perf_counter() - started
            )
        return response

    @app.teardown_request
    async def finish(_exc):
        if g.pop("metrics_started", None) is not None:
            metrics.IN_PROGRESS.labels(g.metrics_route).dec()

    @app.after_serving
    async def forget_live_gauges():
        metrics.process_stopped()


def route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else metrics.UNMATCHED_ROUTE
