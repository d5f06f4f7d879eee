"""SecantusDB as the multi-host test's database host runs it: `python -m secantus` with
one setting changed, the transaction lifetime limit (MongoDB's
`transactionLifetimeLimitSeconds`), which SecantusDB takes only as an argument of its
server class. docs/scaling.md explains the value production should use and why: a host
that dies mid-transaction leaves its transaction open, and the wallets it wrote stay
locked until the store reaps it.

    python tests/multihost/secantus_store.py HOST PORT STORAGE_PATH LIFETIME_SECONDS
"""

import signal
import sys

from secantus.server import SecantusDBServer


def main() -> None:
    host, port, storage_path, lifetime = sys.argv[1:5]
    server = SecantusDBServer(
        host=host,
        port=int(port),
        storage_path=storage_path,
        replica_set_name="secantus",  # as the daemon: transactions need a replica set
        enable_test_commands=False,
        transaction_lifetime_seconds=float(lifetime),
    )

    def stop(signum, frame):
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    server.start()
    server.wait()


if __name__ == "__main__":
    main()
