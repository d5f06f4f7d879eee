"""A real SMTP server (aiosmtpd) for the mail tests, and ways to have the queued mail sent
to it: in-process through the app's own context, or by real worker processes."""

import dataclasses
import email
import threading
from email.message import EmailMessage
from email.policy import default as default_policy

from aiosmtpd.controller import Controller

from checkout.services import mail

from .servers import free_port
from .webhook_support import eventually, start_worker


class MailCatcher:
    """Listens on 127.0.0.1 and a free port (kept across stop()/start(), so a test can take
    the server down and bring it back at the same address). Keeps every message received."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.start()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def env(self) -> dict:
        """Settings that send to this server, with retries a second apart."""
        return {
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.port),
            "SMTP_STARTTLS": "false",
            "MAIL_FROM": "noreply@checkout.test",
            "MAIL_RETRY_SCHEDULE": "1,1,1,1,1,1,1,1,1,1",
        }

    def to(self, address: str, template_subject: str | None = None) -> list[EmailMessage]:
        """Messages received for this address (optionally: whose subject contains this)."""
        with self._lock:
            return [
                m
                for m in self.messages
                if m["To"] == address
                and (template_subject is None or template_subject in str(m["Subject"]))
            ]

    async def wait_for(self, address: str, count: int = 1, subject: str | None = None):
        """The messages for address once at least count have arrived (30 s deadline)."""

        async def arrived():
            found = self.to(address, subject)
            return found if len(found) >= count else None

        return await eventually(arrived, what=f"{count} mail(s) to {address}")


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no plain-text part"
    return part.get_content()


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no HTML part"
    return part.get_content()


async def send_queued_mail(app, catcher: MailCatcher) -> int:
    """Send what the app queued, in this process, as a worker would: to the catcher."""
    ctx = app.app.extensions["checkout"]
    settings = ctx.settings.replace(
        smtp_host="127.0.0.1", smtp_port=catcher.port, smtp_starttls=False
    )
    sending = dataclasses.replace(ctx, settings=settings)
    total = 0
    while sent := await mail.send_due(sending, limit=100):
        total += sent
    return total


def start_mail_worker(store_env: dict, catcher: MailCatcher, **overrides):
    """A real `python -m checkout worker` process sending to the catcher."""
    return start_worker(store_env, **catcher.env, **overrides)
