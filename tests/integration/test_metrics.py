"""GET /metrics: Prometheus text from every Hypercorn worker, behind METRICS_TOKEN."""

import asyncio
import re
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import live
from tests.servers import start_app

TOKEN = "metrics-token-" + "m" * 32


@pytest.fixture(scope="module")
def metrics_server(store_env):
    server = start_app({**store_env, "METRICS_TOKEN": TOKEN}, workers=2)
    yield server
    server.stop()


def scrape(server) -> dict[tuple[str, tuple], float]:
    response = httpx.get(
        f"http://127.0.0.1:{server.port}/metrics",
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_without_a_token_configured_there_is_no_metrics_page(client):
    response = await client.get("/metrics", headers={"Authorization": "Bearer anything"})
    assert response.status_code == 404


def test_the_token_is_required(metrics_server):
    url = f"http://127.0.0.1:{metrics_server.port}/metrics"
    assert httpx.get(url, timeout=10).status_code == 401
    wrong = httpx.get(url, headers={"Authorization": "Bearer " + "x" * 46}, timeout=10)
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "unauthenticated"


def test_request_counts_add_up_over_both_workers(metrics_server):
    base = f"http://127.0.0.1:{metrics_server.port}"
    before = value(
        scrape(metrics_server),
        "checkout_http_requests_total",
        method="GET",
        route="/healthz",
        status="200",
    )

    async def hit_all(count: int) -> None:
        # A new connection per request, many at once: both workers accept some.
        async def one():
            async with httpx.AsyncClient() as http:
                assert (await http.get(base + "/healthz", timeout=30)).status_code == 200

        await asyncio.gather(*(one() for _ in range(count)))

    asyncio.run(hit_all(60))
    served_by = {path.name for path in metrics_server.metrics_dir.glob("counter_*.db")}
    assert len(served_by) >= 2, served_by  # both workers counted requests
    # Every scrape (whichever worker answers it) sees the sum of both.
    for _ in range(4):
        samples = scrape(metrics_server)
        after = value(
            samples, "checkout_http_requests_total", method="GET", route="/healthz", status="200"
        )
        assert after - before == 60
        assert (
            value(
                samples,
                "checkout_http_request_duration_seconds_count",
                method="GET",
                route="/healthz",
            )
            >= 60
        )


def test_payments_by_outcome_and_routes_by_template(metrics_server):
    base = f"http://127.0.0.1:{metrics_server.port}"
    merchant = live.register(base, organization="Metrics Merchant")
    shopper = live.register(base, organization="Metrics Shopper", pin="246810")
    sessions = [live.create_session(base, merchant, Decimal("3.00")) for _ in range(2)]

    def pay(session, pin):
        return live.api(
            base,
            "POST",
            f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
            {
                "fromWalletCode": shopper["walletCode"],
                "totalAmount": session["totalAmount"],
                "pin": pin,
            },
        )

    assert pay(sessions[0], "000000").status_code == 401
    assert pay(sessions[0], "246810").status_code == 200
    assert pay(sessions[1], "246810").status_code == 200
    samples = scrape(metrics_server)
    assert value(samples, "checkout_payments_total", outcome="paid") == 2
    assert value(samples, "checkout_payments_total", outcome="invalid_pin") == 1
    assert value(samples, "checkout_pay_duration_seconds_count") == 3
    pays = value(
        samples,
        "checkout_http_requests_total",
        method="POST",
        route="/api/v1/txn/accept-payment/<session_id>",
        status="200",
    )
    assert pays == 2
    # No label carries an id: every route label is a template or "unmatched".
    routes = {dict(labels).get("route") for (_, labels) in samples if dict(labels).get("route")}
    assert not any(
        session["transactionTraceId"] in route for session in sessions for route in routes
    )
    assert all(route == "unmatched" or route.startswith("/") for route in routes)
    # The stores' figures are there too, read at scrape time.
    for name in (
        "checkout_outbox_backlog",
        "checkout_event_stream_lag",
        "checkout_event_stream_pending",
        "checkout_settlement_backlog",
    ):
        assert (name, ()) in samples, name
    assert value(samples, "checkout_webhook_deliveries_waiting", state="pending") == 0


def test_a_raw_path_never_becomes_a_label(metrics_server):
    base = f"http://127.0.0.1:{metrics_server.port}"
    for n in range(3):
        assert httpx.get(f"{base}/no-such-page-{n}", timeout=10).status_code == 404
        httpx.request("BREW", f"{base}/healthz", timeout=10)
    text = httpx.get(
        base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).text
    assert "no-such-page" not in text and "BREW" not in text
    assert re.search(
        r'checkout_http_requests_total\{method="GET",route="unmatched",status="404"\}', text
    )


def test_the_last_reconcile_shows(metrics_server, store_env):
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    result = subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=ROOT,
        env={**os.environ, **store_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    samples = scrape(metrics_server)
    assert value(samples, "checkout_reconcile_ok") == 1
    assert value(samples, "checkout_reconcile_problems") == 0
