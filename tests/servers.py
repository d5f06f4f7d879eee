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
