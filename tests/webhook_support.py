"""A real local HTTP receiver for webhooks and real worker processes, for the webhook tests."""
import asyncio
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .servers import ROOT, ServerProcess

# Test settings for workers: private targets allowed (the receiver is on 127.0.0.1) and a
# retry schedule shrunk from days to seconds.
WORKER_ENV = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
    "WEBHOOK_RETRY_SCHEDULE": "1,1,1",
    "WEBHOOK_TIMEOUT": "3",
    "WEBHOOK_POLL_INTERVAL": "0.2",
}


class Receiver:
    """Records every request (headers, raw body). Answers 200 unless told otherwise: each
    item of `script` answers one request in turn (a status code, or "hang" to hold the
    request open until the test ends)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append({"headers": dict(self.headers), "body": raw})
                    action = receiver.script.pop(0) if receiver.script else 200
                if action == "hang":
                    receiver.release.wait(60)
                    return
                reply = b'{"received": true}' if action < 300 else b"receiver is down"
                self.send_response(action)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def for_event(self, event_type: str, subject: str) -> list[dict]:
        """Requests carrying this type of event about this session."""
        with self._lock:
            found = []
            for request in self.requests:
                event = json.loads(request["body"])
                if event["type"] == event_type and event["data"].get("transactionTraceId") == subject:
                    found.append({**request, "event": event})
            return found

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def start_worker(store_env: dict, **overrides) -> ServerProcess:
    env = {**os.environ, **store_env, **WORKER_ENV, **overrides}
    return ServerProcess([sys.executable, "-m", "checkout", "worker"], port=None, cwd=ROOT,
                         env=env, log_name="worker")


async def eventually(check, timeout: float = 30, what: str = "condition"):
    """Poll an async check until it returns something truthy (and return that); fail with
    `what` after timeout seconds. A deadline for a background process, not a timing claim."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)
