"""A local SMTP catcher for development: `python -m checkout mail-catcher`.

scripts/run starts it when SMTP_HOST is unset in local mode and points the worker at it.
Every message it receives is written to a folder (var/mail/ by default) as one .eml file,
which any mail client opens; nothing is sent anywhere. Not for production.
"""

import asyncio
import contextlib
import logging
import signal
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from .services import utcnow

log = logging.getLogger("checkout.mail_catcher")


class SaveToFolder:
    """aiosmtpd handler: each message becomes <time>-<n>.eml in the folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        name = f"{utcnow():%Y%m%d-%H%M%S}-{self.count:04d}.eml"
        content = envelope.original_content or envelope.content or b""
        if isinstance(content, str):
            content = content.encode()
        (self.folder / name).write_bytes(content)
        log.info("caught a mail to %s: %s", ", ".join(envelope.rcpt_tos), self.folder / name)
        return "250 Message accepted for delivery"


async def serve(host: str, port: int, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    handler = SaveToFolder(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler), host, port)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    log.info("mail catcher on %s:%d writing to %s", host, port, folder)
    async with server:
        await stop.wait()


def main(host: str, port: int, folder: str) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every SMTP line
    asyncio.run(serve(host, port, Path(folder)))
    return 0
