"""SIGTERM to Hypercorn: no new requests are taken, a payment in flight completes, and the
server exits within graceful_timeout."""

import socket
import tomllib
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from pymongo import MongoClient

from checkout.services.reconcile import reconcile
from checkout.settings import Settings
from checkout.stores import open_stores
from tests import live
from tests.servers import ROOT, start_app

TOKEN = "shutdown-metrics-token-" + "t" * 32
PAY_ROUTE = "/api/v1/txn/accept-payment/<session_id>"
GRACEFUL_TIMEOUT = tomllib.loads((ROOT / "hypercorn.toml").read_text())["graceful_timeout"]


def in_flight(base: str) -> float:
    text = httpx.get(
        base + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    ).text
    line = f'checkout_http_requests_in_progress{{route="{PAY_ROUTE}"}} '
    return sum(float(row.split()[-1]) for row in text.splitlines() if row.startswith(line))


def refuses_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            return conn.recv(1) == b""
    except OSError:
        return True


@pytest.fixture
def mongo(store_env):
    with MongoClient(store_env["MONGO_URI"]) as client:
        yield client


async def test_a_payment_in_flight_at_sigterm_completes(store_env, mongo):
    server = start_app({**store_env, "METRICS_TOKEN": TOKEN}, workers=2)
    base = f"http://127.0.0.1:{server.port}"
    try:
        merchant = live.register(base, organization="Shutdown Merchant")
        shopper = live.register(base, organization="Shutdown Shopper", pin="135790")
        session = live.create_session(base, merchant, Decimal("4.00"))
        # The payment's commit waits 4 s at the database: it is in flight when SIGTERM
        # comes, and stays in flight well after the listening socket should be closed.
        mongo.admin.command(
            {
                "configureFailPoint": "failCommand",
                "mode": {"times": 1},
                "data": {
                    "failCommands": ["commitTransaction"],
                    "blockConnection": True,
                    "blockTimeMS": 4000,
                    "appName": "checkout",
                },
            }
        )
        with ThreadPoolExecutor(1) as thread:
            paying = thread.submit(
                live.api,
                base,
                "POST",
                f"/api/v1/txn/accept-payment/{session['transactionTraceId']}",
                {
                    "fromWalletCode": shopper["walletCode"],
                    "totalAmount": session["totalAmount"],
                    "pin": "135790",
                },
            )
            while in_flight(base) < 1:
                assert not paying.done(), paying.result().text
            server.process.terminate()  # SIGTERM to the Hypercorn master
            while not refuses_connections(server.port):
                pass
            # New connections are refused while the payment is still being answered.
            assert not paying.done()
            paid = paying.result()
        assert paid.status_code == 200, paid.text
        assert server.process.wait(timeout=GRACEFUL_TIMEOUT + 5) == 0
    finally:
        mongo.admin.command({"configureFailPoint": "failCommand", "mode": "off"})
        server.stop()
    db = mongo[store_env["MONGO_DB"]]
    stored = db.payment_sessions.find_one({"_id": session["transactionTraceId"]})
    assert stored["status"] == "complete"
    assert db.journal.count_documents({"session_id": session["transactionTraceId"]}) == 1
    stores = await open_stores(Settings.from_env(store_env))
    try:
        assert (await reconcile(stores)).ok
    finally:
        await stores.close()
