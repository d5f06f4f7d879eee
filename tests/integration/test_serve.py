"""`python -m checkout serve` spreads keep-alive connections over its Hypercorn workers
(checkout/serve.py): with one shared listening socket, the worker that wakes first took them
all."""

import asyncio
import os
import re
import signal
import subprocess
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.servers import start_app

CONNECTIONS = 48


def connections_per_process(port: int) -> Counter:
    """Established connections on the app's port, by the process holding them (only the
    workers hold any: Hypercorn's parent accepts nothing)."""
    listing = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return Counter(re.findall(r"pid=(\d+),", listing))


@pytest.fixture(scope="module")
def two_workers(store_env):
    server = start_app(store_env, workers=2)
    yield server
    server.stop()


def worker_pids(server) -> list[int]:
    """Hypercorn's worker processes (multiprocessing's resource tracker is a child too)."""
    pid = server.process.pid
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        pids = [int(child) for child in children.read().split()]
    return [child for child in pids if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes()]


async def test_a_burst_of_connections_is_shared_by_the_workers(two_workers):
    """The workers are paused while the connections arrive, so they all wait in the kernel's
    accept queues at once, as in a burst, and one worker resumes before the other: with one
    shared socket it would accept every one of them."""
    url = f"http://127.0.0.1:{two_workers.port}/healthz"
    workers = worker_pids(two_workers)
    assert len(workers) == 2
    clients = [httpx.AsyncClient(timeout=30) for _ in range(CONNECTIONS)]
    try:
        for pid in workers:
            os.kill(pid, signal.SIGSTOP)
        try:
            requests = [asyncio.create_task(client.get(url)) for client in clients]
            await asyncio.sleep(1)  # the kernel completes the handshakes meanwhile
        finally:
            # One worker wakes first, as one always does; the other a moment later.
            os.kill(workers[0], signal.SIGCONT)
            await asyncio.sleep(0.5)
            os.kill(workers[1], signal.SIGCONT)
        answers = await asyncio.gather(*requests)
        assert {answer.status_code for answer in answers} == {200}
        spread = connections_per_process(two_workers.port)  # each connection is kept alive
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))
    assert sorted(spread) == sorted(str(pid) for pid in workers), spread
    assert sum(spread.values()) == CONNECTIONS
    # The kernel hashes each connection to a worker's socket: each gets about half. Fewer
    # than a quarter happens by chance about once in 10,000 runs.
    assert min(spread.values()) >= CONNECTIONS // 4, spread
