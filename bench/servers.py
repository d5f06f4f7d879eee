"""Server processes for the benchmark: redis-server, SecantusDB and Hypercorn, each on a free
port in its own temporary directory, stopped (and cleaned up) when the run ends."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, name, args, port, cwd=None, env=None):
        self.name = name
        self.port = port
        self.workdir = Path(tempfile.mkdtemp(prefix=f"checkout-bench-{name}-"))
        self.log_path = self.workdir / f"{name}.log"
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - open for the server's life, closed in stop()
        self.process = subprocess.Popen(
            args,
            cwd=cwd or self.workdir,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_port(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode}:\n{self.log()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"{self.name}: nothing listening on port {self.port} after {timeout}s")

    def wait_for_url(self, url: str, timeout: float = 60) -> None:
        # Hypercorn accepts TCP before its workers are ready: wait on a URL instead.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log()}")
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {url} in {timeout}s:\n{self.log()}")

    def stop(self, keep_logs: bool = False) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        if not keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)


def start_redis() -> ServerProcess:
    port = free_port()
    server = ServerProcess(
        "redis",
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
    )
    server.wait_for_port()
    return server


def start_secantus() -> ServerProcess:
    port = free_port()
    # Data on disk in its own temporary directory (no stray ./secantusd.toml is picked up).
    server = ServerProcess(
        "secantus",
        [
            sys.executable,
            "-m",
            "secantus",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            "data",
            "--log-level",
            "WARNING",
        ],
        port,
    )
    server.wait_for_port()
    return server


def migrate(env: dict) -> None:
    """`python -m checkout migrate`, as a deploy runs it before the app starts."""
    subprocess.run(
        [sys.executable, "-m", "checkout", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_hypercorn(
    name: str, app: str, env: dict, health_path: str, extra_pythonpath: str | None = None
) -> ServerProcess:
    """Hypercorn the way production runs it, `python -m checkout serve`: the repo's
    hypercorn.toml (workers, worker class, access log...), only the bind overridden to a free
    port; each worker listens on its own socket (checkout/serve.py)."""
    port = free_port()
    env = {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    if extra_pythonpath:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_pythonpath, env.get("PYTHONPATH")]))
    server = ServerProcess(
        name,
        [
            sys.executable,
            "-m",
            "checkout",
            "serve",
            "--config",
            str(ROOT / "hypercorn.toml"),
            "--bind",
            f"127.0.0.1:{port}",
            app,
        ],
        port,
        cwd=ROOT,
        env=env,
    )
    server.wait_for_url(f"http://127.0.0.1:{port}{health_path}")
    return server


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (Hypercorn's master and its worker processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks
