"""A real local HTTP receiver for webhooks and real worker processes, for the webhook tests."""

import asyncio
import json
import os
import ssl
import subprocess
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
    item of `script` answers one request in turn (a status code, a 3xx redirecting here,
    or "hang" to hold the request open until the test ends). Listens on host (any 127.x.y.z
    works on Linux) and port (0: a free one); with tls=(certfile, keyfile) it speaks HTTPS
    and records the server names (SNI) clients ask for."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, tls: tuple | None = None):
        self.requests: list[dict] = []
        self.server_names: list = []
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
                if 300 <= action < 400:  # a redirect back to this receiver
                    self.send_header("Location", receiver.url)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            context.sni_callback = lambda sock, name, ctx: self.server_names.append(name)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"{'https' if tls else 'http'}://{host}:{self.port}/hooks"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def for_event(self, event_type: str, subject: str) -> list[dict]:
        """Requests carrying this type of event about this session."""
        with self._lock:
            found = []
            for request in self.requests:
                event = json.loads(request["body"])
                about = event["data"].get("transactionTraceId")
                if event["type"] == event_type and about == subject:
                    found.append({**request, "event": event})
            return found

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def self_signed_certificate(directory, name: str) -> tuple[str, str]:
    """(certfile, keyfile) of a throwaway certificate for the DNS name `name`, made by the
    openssl command; the certificate is its own CA, to trust in a client's SSL context."""
    cert, key = str(directory / f"{name}.crt"), str(directory / f"{name}.key")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def start_worker(store_env: dict, **overrides) -> ServerProcess:
    env = {**os.environ, **store_env, **WORKER_ENV, **overrides}
    return ServerProcess(
        [sys.executable, "-m", "checkout", "worker"],
        port=None,
        cwd=ROOT,
        env=env,
        log_name="worker",
    )


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
