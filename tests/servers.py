"""Real server processes for the tests: SecantusDB, redis-server and Hypercorn.

Each runs as its own process on a free port and is stopped when the test session ends.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on port {port} after {timeout}s")


class ServerProcess:
    def __init__(self, args, port, cwd=None, env=None, log_name="server"):
        self.port = port
        self.metrics_dir: Path | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"checkout-{log_name}-"))
        self.log_path = self.workdir / f"{log_name}.log"
        # Open for the server's whole life (closed in stop()), so not a with block.
        self._log = open(self.log_path, "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            args,
            cwd=cwd or self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)
        if self.metrics_dir is not None:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)


def start_secantus() -> ServerProcess:
    port = free_port()
    # Its own empty working directory: SecantusDB would pick up a stray ./secantusd.toml.
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            ":memory:",
            "--enable-test-commands",
            "--log-level",
            "WARNING",
        ],
        port,
        log_name="secantus",
    )
    wait_for_port(port, server.process)
    return server


def start_redis() -> ServerProcess:
    port = free_port()
    server = ServerProcess(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        port,
        log_name="redis",
    )
    wait_for_port(port, server.process)
    return server


def migrate(env: dict) -> None:
    """`python -m checkout migrate` for the database env names, as a deploy runs it before
    the app starts. In a thread of its own: a sync fixture may run under Playwright's
    event loop."""
    from checkout.migrations import migrate as migrate_database
    from checkout.settings import Settings
    from checkout.stores import open_stores

    async def run() -> None:
        stores = await open_stores(Settings.from_env(env))
        try:
            await migrate_database(stores.db)
        finally:
            await stores.close()

    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, run()).result()


def start_app(env_overrides: dict, workers: int = 2) -> ServerProcess:
    """The app the way production runs it: `python -m checkout serve` (Hypercorn with the
    repo's hypercorn.toml, connections balanced over the workers)."""
    port = free_port()
    # The workers' shared metrics files (/metrics), empty at start as scripts/run makes it.
    metrics_dir = tempfile.mkdtemp(prefix="checkout-metrics-")
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
        **env_overrides,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
    }
    server = ServerProcess(
        [
            sys.executable,
            "-m",
            "checkout",
            "serve",
            "--config",
            str(ROOT / "hypercorn.toml"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        port,
        cwd=ROOT,
        env=env,
        log_name="app",
    )
    server.metrics_dir = Path(metrics_dir)
    # The port accepts TCP before the workers are ready: wait on the health URL.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"app exited:\n{server.log()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError("app did not become healthy in 30 s")


def _redis_cli(port: int, *args: str) -> str:
    return subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout


def _wait_for_reply(port: int, args: tuple[str, ...], expected: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if expected in _redis_cli(port, *args):
            return
        time.sleep(0.1)
    raise RuntimeError(f"redis on {port} never answered {args} with {expected!r}")


class RedisCluster:
    """A three-master Redis Cluster (no replicas) on free loopback ports."""

    def __init__(self, masters: int = 3):
        self.nodes: list[ServerProcess] = []
        try:
            self._start(masters)
        except BaseException:
            self.stop()  # no stray nodes when start-up fails
            raise

    def _start(self, masters: int) -> None:
        for _ in range(masters):
            port = free_port()
            node = ServerProcess(
                [
                    "redis-server",
                    "--port",
                    str(port),
                    # The bus port: by default port + 10000, which may not be free (or valid).
                    "--cluster-port",
                    str(free_port()),
                    "--bind",
                    "127.0.0.1",
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    f"nodes-{port}.conf",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                port,
                log_name="redis-cluster",
            )
            self.nodes.append(node)
        for node in self.nodes:
            wait_for_port(node.port, node.process)
        _redis_cli(
            self.nodes[0].port,
            "--cluster",
            "create",
            *(f"127.0.0.1:{node.port}" for node in self.nodes),
            "--cluster-replicas",
            "0",
            "--cluster-yes",
        )
        for node in self.nodes:
            _wait_for_reply(node.port, ("cluster", "info"), "cluster_state:ok")

    @property
    def url(self) -> str:
        """A seed node: the client learns the others from it."""
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


class RedisSentinels:
    """One Redis master, one replica and three sentinels (quorum 2) watching them as
    MASTER_NAME, on free loopback ports. A master silent for 1 s is failed over."""

    MASTER_NAME = "checkout"

    def __init__(self):
        # Sentinels rewrite their configuration file as they learn: each gets its own.
        self.config_dir = Path(tempfile.mkdtemp(prefix="checkout-sentinel-conf-"))
        self.servers: list[ServerProcess] = []
        try:
            self._start()
        except BaseException:
            self.stop()  # no stray servers when start-up fails
            raise

    def _start(self) -> None:
        self.master = self._redis()
        self.servers.append(self.master)
        self.replica = self._redis("--replicaof", "127.0.0.1", str(self.master.port))
        self.servers.append(self.replica)
        _wait_for_reply(self.replica.port, ("info", "replication"), "master_link_status:up")
        self.sentinels = []
        for _ in range(3):
            port = free_port()
            config = self.config_dir / f"sentinel-{port}.conf"
            config.write_text(
                f"port {port}\n"
                "bind 127.0.0.1\n"
                f"sentinel monitor {self.MASTER_NAME} 127.0.0.1 {self.master.port} 2\n"
                f"sentinel down-after-milliseconds {self.MASTER_NAME} 1000\n"
                f"sentinel failover-timeout {self.MASTER_NAME} 5000\n"
            )
            sentinel = ServerProcess(
                ["redis-server", str(config), "--sentinel"], port, log_name="sentinel"
            )
            self.sentinels.append(sentinel)
            self.servers.append(sentinel)
        for sentinel in self.sentinels:
            wait_for_port(sentinel.port, sentinel.process)
        # Ready when every sentinel knows the replica and the two other sentinels (they
        # find each other through the master every 2 s): only then can they fail over.
        for sentinel in self.sentinels:
            _wait_for_reply(sentinel.port, ("info", "sentinel"), "slaves=1,sentinels=3", timeout=30)

    @staticmethod
    def _redis(*extra: str) -> ServerProcess:
        port = free_port()
        server = ServerProcess(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", *extra],
            port,
            log_name="redis-sentinel-node",
        )
        wait_for_port(port, server.process)
        return server

    @property
    def addresses(self) -> str:
        """REDIS_SENTINELS"""
        return ",".join(f"127.0.0.1:{sentinel.port}" for sentinel in self.sentinels)

    def master_port(self) -> int:
        """The master's port as the first sentinel sees it."""
        reply = _redis_cli(
            self.sentinels[0].port, "sentinel", "get-master-addr-by-name", self.MASTER_NAME
        )
        return int(reply.split()[1])

    def master_ports(self) -> set[int]:
        """The master's port as each sentinel sees it."""
        ports = set()
        for sentinel in self.sentinels:
            reply = _redis_cli(
                sentinel.port, "sentinel", "get-master-addr-by-name", self.MASTER_NAME
            )
            ports.add(int(reply.split()[1]))
        return ports

    def wait_for_failover(self, timeout: float = 30) -> None:
        """Until every sentinel names the replica as the master, and it acts as one: the
        app may ask any sentinel, and one that has not caught up names the dead master."""
        deadline = time.monotonic() + timeout
        while self.master_ports() != {self.replica.port}:
            if time.monotonic() > deadline:
                raise RuntimeError("the sentinels did not fail over")
            time.sleep(0.1)
        _wait_for_reply(self.replica.port, ("info", "replication"), "role:master")

    def stop(self) -> None:
        for server in reversed(self.servers):
            server.stop()
        shutil.rmtree(self.config_dir, ignore_errors=True)
