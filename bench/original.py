"""The original Node/Express implementation, run beside ours for `bench/run --original DIR`.

bench/ fetches nothing from the network and the original's code is not part of this
project, so the caller brings a checkout of it (bench/README.md, "Against the original"):

    git clone https://github.com/0xVegeta/payment-gateway /tmp/original
    (cd /tmp/original && npm install)
    bench/run --original /tmp/original

It runs as its README says (`node server.js`, configured by MONGO_URI, REDIS_HOST,
REDIS_PORT and JWT_SECRET), on a fresh SecantusDB of its own and the benchmark's Redis. Its
server.js listens on port 3000, always.
"""

import asyncio
import secrets
import shutil
import socket
from pathlib import Path

import httpx
from servers import ServerProcess, start_secantus

PORT = 3000


def start_original(directory: str, redis_port: int) -> tuple[ServerProcess, ServerProcess]:
    """The original app and its own fresh SecantusDB; raises with a clear message when the
    checkout is not usable."""
    path = Path(directory).resolve()
    if not (path / "server.js").exists() or not (path / "node_modules").is_dir():
        raise SystemExit(
            f"--original {directory}: expected a checkout of the original with server.js and "
            "node_modules (run npm install there first; bench/README.md says how)"
        )
    if shutil.which("node") is None:
        raise SystemExit("--original needs Node.js (node) on PATH")
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", PORT)) == 0:
            raise SystemExit(f"--original: port {PORT} is taken; the original always listens there")
    mongo = start_secantus()
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "MONGO_URI": f"mongodb://127.0.0.1:{mongo.port}/original",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis_port),
        "JWT_SECRET": secrets.token_urlsafe(32),
    }
    app = ServerProcess("original", ["node", "server.js"], PORT, cwd=path, env=env)
    try:
        app.wait_for_port()
    except RuntimeError:
        mongo.stop()
        raise
    return app, mongo


async def seed_original(merchants: int) -> dict:
    """Merchants registered through the original's API (it answers the wallet code)."""
    run_id = secrets.token_hex(3)
    made = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}", timeout=30) as http:
        for n in range(merchants):
            for _ in range(50):  # it connects to MongoDB after it starts listening
                response = await http.post(
                    "/api/v1/org/register",
                    json={
                        "organization": f"Bench merchant {n}",
                        "email": f"bench-{run_id}-{n}@example.com",
                        "password": "bench password",
                        "category": "bench",
                    },
                )
                if response.status_code == 201:
                    break
                await asyncio.sleep(0.2)
            response.raise_for_status()
            # The original checks no token on payment-session; the header is sent anyway.
            made.append({"walletCode": response.json()["walletCode"], "token": "none"})
    return {"merchants": made, "payers": [], "sessions": []}
