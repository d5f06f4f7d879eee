"""Multi-host test: the checkout funnel through HAProxy while one of two app hosts dies.

Hosts are Linux network namespaces joined by veth pairs on one bridge (needs root and
iproute2; HAProxy from Debian is installed if missing):

    mh-db    10.77.0.10  redis-server and SecantusDB
    mh-app1  10.77.0.11  Hypercorn, 2 workers
    mh-app2  10.77.0.12  Hypercorn, 2 workers
    mh-work  10.77.0.13  python -m checkout worker (settler, webhooks, sweeps)
    (root)   10.77.0.1   HAProxy on :8080, the load generator, the webhook receiver on :9000

For --seconds the clients create a session (merchant API), view its checkout page and pay
it (API), through HAProxy. Half-way every process of mh-app1 gets SIGKILL and its veth is
cut. Then: every payment answered 200 is complete with exactly one journal entry, no
session has two, every completed session's webhook reached the receiver once or more (at
least once delivery), and `python -m checkout reconcile` is green.

    sudo .venv/bin/python tests/multihost/run.py [--seconds 40] [--clients 16]
"""

import argparse
import asyncio
import collections
import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import simplejson
from pymongo import MongoClient

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
BRIDGE = "mh-br0"
GATEWAY = "10.77.0.1"
HOSTS = {
    "mh-db": "10.77.0.10",
    "mh-app1": "10.77.0.11",
    "mh-app2": "10.77.0.12",
    "mh-work": "10.77.0.13",
}
LB = f"http://{GATEWAY}:8080"
PIN = "480264"


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- the network --------------------------------------------------------------------


def teardown_network() -> None:
    for ns in HOSTS:
        for pid in sh("ip", "netns", "pids", ns, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "link", "del", f"{ns}-h", check=False)
    sh("ip", "link", "del", BRIDGE, check=False)


def build_network() -> None:
    teardown_network()
    sh("ip", "link", "add", BRIDGE, "type", "bridge")
    sh("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
    sh("ip", "link", "set", BRIDGE, "up")
    for ns, address in HOSTS.items():
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", f"{ns}-h", "type", "veth", "peer", "name", f"{ns}-n")
        sh("ip", "link", "set", f"{ns}-n", "netns", ns)
        sh("ip", "link", "set", f"{ns}-h", "master", BRIDGE)
        sh("ip", "link", "set", f"{ns}-h", "up")
        sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{address}/24", "dev", f"{ns}-n")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", f"{ns}-n", "up")
        sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        sh("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", GATEWAY)


# --- processes ----------------------------------------------------------------------


class Processes:
    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.started: list[subprocess.Popen] = []

    def start(self, ns: str, name: str, args: list[str], env: dict | None = None):
        out = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        command = ["ip", "netns", "exec", ns, *args] if ns else args
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.terminate()
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def wait_for_port(host: str, port: int, timeout: float = 30) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing on {host}:{port}")


HAPROXY_CONFIG = f"""
global
    maxconn 4096
    # One line per request (haproxy.log): which server HAProxy passed it to, and how it
    # ended. The check tells from it which failed requests were on the killed host.
    log stdout format raw local0 info
defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    # A loaded host answers /healthz in tens of ms, but 500 ms is too tight for a box
    # whose two cores run everything: a slow check must not take the survivor out.
    timeout check 2s
    option redispatch
    retries 2
    # A client that gives up closes its side: HAProxy then ends (and logs) the request at
    # once instead of after `timeout server`, so every failed request is in haproxy.log.
    option abortonclose
frontend checkout
    bind {GATEWAY}:8080
    capture request header X-Load-Id len 32
    default_backend apps
backend apps
    balance roundrobin
    option httpchk GET /healthz
    default-server inter 1s fall 2 rise 2
    server app1 {HOSTS["mh-app1"]}:8000 check
    server app2 {HOSTS["mh-app2"]}:8000 check
"""


# --- the webhook receiver -----------------------------------------------------------


class Receiver:
    def __init__(self):
        self.received: collections.Counter = collections.Counter()
        lock = threading.Lock()
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    received[json.loads(body)["id"]] += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((GATEWAY, 9000), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


# --- the load -----------------------------------------------------------------------


def load_id(client: int) -> dict:
    """A header naming the request in HAProxy's log: client-number."""
    return {"X-Load-Id": f"{client}-{secrets.token_hex(4)}"}


async def api(http, method, path, payload=None, headers=None):
    """JSON with exact decimals both ways (simplejson), as a merchant's client would."""
    return await http.request(
        method,
        LB + path,
        content=simplejson.dumps(payload, use_decimal=True) if payload is not None else None,
        headers={"Content-Type": "application/json", **(headers or {})},
        timeout=15,
    )


def parsed(response) -> dict:
    return simplejson.loads(response.text, use_decimal=True)


async def register(http, name: str, pin: str | None = None) -> dict:
    email = f"mh-{secrets.token_hex(5)}@example.com"
    payload = {
        "organization": name,
        "email": email,
        "password": "correct horse 1",
        "category": "food",
    }
    if pin:
        payload["pin"] = pin
    created = await api(http, "POST", "/api/v1/org/register", payload)
    assert created.status_code == 201, created.text
    data = parsed(created)
    login = await api(
        http, "POST", "/api/v1/org/login", {"email": email, "password": "correct horse 1"}
    )
    data["headers"] = {"Authorization": f"Bearer {login.json()['token']}"}
    return data


class Tally:
    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.paid: set[str] = set()  # answered 200
        self.uncertain: set[str] = set()  # pay sent, no answer (connection cut, 5xx)
        self.latencies: list[float] = []
        # Each request that failed: (client, what, sent, ended, its X-Load-Id), times in s
        # from the start.
        self.failures: list[tuple[int, str, float, float, str]] = []
        self.start = time.monotonic()

    def failed(self, client: int, what: str, sent: float, request: dict) -> None:
        self.counts[what] += 1
        self.failures.append(
            (client, what, sent - self.start, time.monotonic() - self.start, request["X-Load-Id"])
        )


def error_code(response) -> str:
    try:
        return str(response.json()["error"]["code"])
    except (ValueError, KeyError, TypeError):
        return "-"


async def funnel(http, client: int, merchant, shopper, tally: Tally, stop_at: float) -> None:
    while time.monotonic() < stop_at:
        step = "create"
        sent = time.monotonic()
        request = load_id(client)
        try:
            created = await api(
                http,
                "POST",
                f"/api/v1/txn/payment-session/{merchant['walletCode']}",
                {"amount": Decimal("1.00")},
                {**merchant["headers"], **request},
            )
            if created.status_code != 201:
                tally.failed(client, f"create {created.status_code}", sent, request)
                continue
            session = parsed(created)
            session_id = session["transactionTraceId"]
            step = "view"
            sent = time.monotonic()
            request = load_id(client)
            page = await http.get(f"{LB}/checkout/{session_id}", timeout=15, headers=request)
            if page.status_code == 200:
                tally.counts["view 200"] += 1
            else:
                tally.failed(client, f"view {page.status_code}", sent, request)
            step = "pay"
            started = sent = time.monotonic()
            request = load_id(client)
            try:
                paid = await api(
                    http,
                    "POST",
                    f"/api/v1/txn/accept-payment/{session_id}",
                    {
                        "fromWalletCode": shopper["walletCode"],
                        "totalAmount": session["totalAmount"],
                        "pin": PIN,
                    },
                    request,
                )
            except httpx.HTTPError:
                tally.uncertain.add(session_id)
                raise
            if paid.status_code == 200:
                tally.counts["pay 200"] += 1
                tally.paid.add(session_id)
                tally.latencies.append(time.monotonic() - started)
            else:
                if paid.status_code >= 500:
                    tally.uncertain.add(session_id)
                tally.failed(client, f"pay {paid.status_code} {error_code(paid)}", sent, request)
        except httpx.HTTPError as exc:
            tally.failed(client, f"{step} {type(exc).__name__}", sent, request)
            await asyncio.sleep(0.05)


def kill_host(ns: str) -> int:
    pids = [int(p) for p in sh("ip", "netns", "pids", ns, check=False).stdout.split()]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    sh("ip", "link", "set", f"{ns}-h", "down")
    return len(pids)


async def drive(args, env_db: str, killed: dict) -> Tally:
    tally = Tally()
    limits = httpx.Limits(max_connections=args.clients * 2)
    async with httpx.AsyncClient(limits=limits) as http:
        merchants = [await register(http, f"Merchant {n}") for n in range(args.merchants)]
        for merchant in merchants:
            hook = await api(
                http,
                "POST",
                "/api/v1/webhooks",
                {"url": f"http://{GATEWAY}:9000/hook", "events": ["payment_session.completed"]},
                merchant["headers"],
            )
            assert hook.status_code == 201, hook.text
        shoppers = [await register(http, f"Shopper {n}", pin=PIN) for n in range(args.clients)]
        log(f"seeded {len(merchants)} merchants (each with a webhook) and {len(shoppers)} shoppers")
        start = tally.start = time.monotonic()
        stop_at = start + args.seconds

        async def killer():
            await asyncio.sleep(args.seconds / 2)
            killed["processes"] = kill_host("mh-app1")
            killed["at"] = time.monotonic() - start
            log(f"SIGKILLed {killed['processes']} processes of mh-app1 and cut its veth")

        await asyncio.gather(
            killer(),
            *(
                funnel(http, n, merchants[n % len(merchants)], shopper, tally, stop_at)
                for n, shopper in enumerate(shoppers)
            ),
        )
    return tally


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--merchants", type=int, default=4)
    parser.add_argument(
        "--txn-lifetime",
        type=float,
        default=10,
        help="the store's transaction lifetime limit in seconds (docs/scaling.md; 60 is"
        " MongoDB's default: then a killed host's wallets stay locked for a minute)",
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces)", file=sys.stderr)
        return 2
    if shutil.which("haproxy") is None:
        log("installing haproxy (Debian)")
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "haproxy"],
            check=True,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )

    workdir = Path(tempfile.mkdtemp(prefix="checkout-multihost-"))
    processes = Processes(workdir)
    db_host = HOSTS["mh-db"]
    env = {
        **os.environ,
        "CHECKOUT_ENV": "production",
        "MONGO_URI": f"mongodb://{db_host}:27017/",
        "MONGO_DB": "checkout_multihost",
        "REDIS_URL": f"redis://{db_host}:6379/0",
        "PUBLIC_BASE_URL": LB,
        "WELCOME_CREDIT": "1000",
        "REGISTRATIONS_PER_HOUR": "0",
        "PIN_FAILURES_PER_IP": "0",
        "LOGIN_LIMIT_PER_IP": "1000000",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        "WEBHOOK_POLL_INTERVAL": "0.5",
        **{n: secrets.token_urlsafe(48) for n in ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER")},
    }
    result = 1
    try:
        build_network()
        log(f"network: bridge {BRIDGE}, namespaces {', '.join(HOSTS)}; logs in {workdir}")
        receiver = Receiver()
        processes.start(
            "mh-db",
            "redis",
            [
                "redis-server",
                "--bind",
                db_host,
                "--port",
                "6379",
                "--protected-mode",
                "no",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
        )
        (workdir / "mongo").mkdir()
        processes.start(
            "mh-db",
            "secantus",
            [
                PYTHON,
                str(Path(__file__).with_name("secantus_store.py")),
                db_host,
                "27017",
                str(workdir / "mongo"),
                str(args.txn_lifetime),
            ],
        )
        wait_for_port(db_host, 6379)
        wait_for_port(db_host, 27017)
        subprocess.run([PYTHON, "-m", "checkout", "migrate"], cwd=ROOT, env=env, check=True)
        for ns in ("mh-app1", "mh-app2"):
            metrics_dir = workdir / f"prometheus-{ns}"
            metrics_dir.mkdir()
            processes.start(
                ns,
                ns,
                [
                    PYTHON,
                    "-m",
                    "hypercorn",
                    "--config",
                    str(ROOT / "hypercorn.toml"),
                    "--bind",
                    f"{HOSTS[ns]}:8000",
                    "--workers",
                    "2",
                    "checkout:create_app()",
                ],
                {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)},
            )
        processes.start("mh-work", "worker", [PYTHON, "-m", "checkout", "worker"], env)
        for ns in ("mh-app1", "mh-app2"):
            wait_for(f"http://{HOSTS[ns]}:8000/healthz")
        (workdir / "haproxy.cfg").write_text(HAPROXY_CONFIG)
        processes.start("", "haproxy", ["haproxy", "-db", "-f", str(workdir / "haproxy.cfg")])
        wait_for(LB + "/healthz")
        log("both app hosts healthy behind HAProxy")

        killed: dict = {}
        began = time.monotonic()
        tally = asyncio.run(drive(args, env["MONGO_DB"], killed))
        elapsed = time.monotonic() - began
        log(f"load done after {elapsed:.1f} s")
        result = check(args, env, tally, receiver, killed, workdir / "haproxy.log")
    finally:
        processes.stop_all()
        teardown_network()
    return result


def sent_to_killed_host(haproxy_log: Path) -> set[str]:
    """The X-Load-Id of every request HAProxy passed to app1 (httplog lines: ...
    apps/app1 timers status ... {X-Load-Id} "METHOD path ...")."""
    found = set()
    for line in haproxy_log.read_text(errors="replace").splitlines():
        parts = line.split()
        if "apps/app1" in parts and "{" in line:
            found.add(line[line.index("{") + 1 : line.index("}", line.index("{"))])
    return found


def check(args, env, tally: Tally, receiver: Receiver, killed: dict, haproxy_log: Path) -> int:
    mongo = MongoClient(env["MONGO_URI"], tz_aware=True)
    db = mongo[env["MONGO_DB"]]
    # Let the worker settle credits and deliver the last webhooks.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        undelivered = db.webhook_deliveries.count_documents({"state": {"$ne": "succeeded"}})
        undispatched = db.events.count_documents({"dispatched_at": None})
        unsettled = db.journal.count_documents({"pending": {"$exists": True}})
        if undelivered == 0 and undispatched == 0 and unsettled == 0:
            break
        time.sleep(1)
    complete = {s["_id"] for s in db.payment_sessions.find({"status": "complete"}, {"_id": 1})}
    per_session = collections.Counter(
        e["session_id"]
        for e in db.journal.find({"session_id": {"$exists": True}}, {"session_id": 1})
    )
    doubled = [s for s, n in per_session.items() if n > 1]
    lost = sorted(tally.paid - complete)
    in_flight_committed = len(tally.uncertain & complete)
    in_flight_not = len(tally.uncertain - complete)
    completed_events = {
        e["_id"] for e in db.events.find({"type": "payment_session.completed"}, {"_id": 1})
    }
    undelivered_events = sorted(completed_events - set(receiver.received))
    # Allowed: the requests in flight on the killed host, i.e. HAProxy had passed them to
    # app1 and they had not ended when it died (some were sent just after the kill, before
    # HAProxy's checks marked app1 down). Anything else a client saw is a failure of the
    # survivor.
    at = killed.get("at", 0)
    on_app1 = sent_to_killed_host(haproxy_log)
    in_flight = [f for f in tally.failures if f[4] in on_app1 and f[3] >= at]
    later = [f for f in tally.failures if f not in in_flight]
    per_client = collections.Counter(f[0] for f in tally.failures)
    repeated = sorted(c for c, n in per_client.items() if n > 1)
    reconcile = subprocess.run(
        [PYTHON, "-m", "checkout", "reconcile"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    latencies = sorted(tally.latencies)

    def pct(p: float) -> str:
        return f"{latencies[int(p * (len(latencies) - 1))] * 1000:.0f} ms" if latencies else "-"

    print()
    print(f"duration {args.seconds:.0f} s, {args.clients} clients, {args.merchants} merchants")
    count = killed.get("processes")
    print(f"app host mh-app1 killed at {at:.1f} s ({count} processes)")
    print("answers:", ", ".join(f"{k}: {n}" for k, n in sorted(tally.counts.items())))
    print(f"payments answered 200: {len(tally.paid)}  (p50 {pct(0.5)}, p99 {pct(0.99)})")
    print(
        f"client-visible failures: {len(tally.failures)}; in flight on the killed host: "
        f"{len(in_flight)} ({len({f[0] for f in in_flight})} clients, sent "
        f"{min((f[2] for f in in_flight), default=0):.1f} s to "
        f"{max((f[2] for f in in_flight), default=0):.1f} s); others: {len(later)}"
    )
    for client, what, sent, ended, _ in sorted(later, key=lambda f: f[2]):
        print(f"  not on the killed host: client {client} {what}, {sent:.1f} s to {ended:.1f} s")
    print(f"clients with 2+ failures: {len(repeated)} {repeated if repeated else ''}".rstrip())
    print(
        f"pays without an answer: {len(tally.uncertain)} "
        f"(committed: {in_flight_committed}, never applied: {in_flight_not})"
    )
    print(
        f"sessions complete in MongoDB: {len(complete)}; sessions with 2+ entries: {len(doubled)}"
    )
    print(f"paid (200) but not complete: {len(lost)}")
    print(
        f"payment_session.completed events: {len(completed_events)}; "
        f"delivered to the receiver: {len(completed_events & set(receiver.received))}; "
        f"duplicates received: {sum(n - 1 for n in receiver.received.values())}"
    )
    not_succeeded = db.webhook_deliveries.count_documents({"state": {"$ne": "succeeded"}})
    print(f"webhook deliveries not succeeded: {not_succeeded}")
    print("reconcile:")
    print(reconcile.stdout.rstrip())
    ok = (
        not doubled
        and not lost
        and not undelivered_events
        and reconcile.returncode == 0
        and not later  # only the requests in flight on the killed host failed,
        and not repeated  # at most one per client
        and len(tally.paid) > 0
    )
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
