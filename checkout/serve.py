"""`python -m checkout serve`: Hypercorn, configured by hypercorn.toml, with connections
spread evenly over its workers.

Plain `hypercorn --config hypercorn.toml` binds one listening socket in the parent and hands it
to every worker. Whichever worker's event loop wakes first accepts every connection waiting
(asyncio accepts up to the backlog per wake-up), and keep-alive clients then stay where they
landed: in bench runs one worker often held all 16 connections while the other idled.

Here each worker binds its own socket to the same address with SO_REUSEPORT, and the kernel
spreads new connections over them. The parent's own socket (Hypercorn binds it before
starting the workers) keeps the address reserved and is never listened on, so it takes no
connections. Everything else (signals, graceful shutdown, restarting a dead worker) is
Hypercorn's own supervisor.
"""

import argparse
import socket
import sys

from hypercorn.config import Config, Sockets
from hypercorn.run import run

APP = "checkout:create_app()"


def _no_sockets() -> None:
    return None


class _PerWorkerSockets(Sockets):
    """The parent's sockets, which reach each worker as None: Hypercorn's worker then binds
    its own (Config.create_sockets sets SO_REUSEPORT when there are several workers)."""

    def __reduce__(self):
        return (_no_sockets, ())


class BalancedConfig(Config):
    def create_sockets(self) -> Sockets:
        sockets = super().create_sockets()
        if not self.balanced():
            return sockets
        return _PerWorkerSockets(
            sockets.secure_sockets, sockets.insecure_sockets, sockets.quic_sockets
        )

    def balanced(self) -> bool:
        # Unix sockets and inherited descriptors cannot be bound again by each worker.
        tcp_only = not any(
            bind.startswith(("unix:", "fd://")) for bind in [*self.bind, *self.insecure_bind]
        )
        return self.workers > 1 and tcp_only and hasattr(socket, "SO_REUSEPORT")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m checkout serve", description=__doc__)
    parser.add_argument("--config", default="hypercorn.toml", help="Hypercorn's TOML settings")
    parser.add_argument(
        "--bind", action="append", help="host:port, overrides bind in the config; repeatable"
    )
    parser.add_argument("--workers", type=int, help="overrides workers in the config")
    parser.add_argument("app", nargs="?", default=APP, help=f"the ASGI app (default {APP})")
    args = parser.parse_args(argv)
    config = BalancedConfig.from_toml(args.config)
    if args.bind:
        config.bind = args.bind
    if args.workers is not None:
        config.workers = args.workers
    config.application_path = args.app
    return run(config)


if __name__ == "__main__":
    sys.exit(main())
