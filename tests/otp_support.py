"""The one-time-code step in tests: OTP_THRESHOLD on, and the code read from the mail the
real SMTP server (tests/mail_support.py) received."""

import re
import time
from decimal import Decimal

from checkout.storage import otp_challenges

from .mail_support import MailCatcher, send_queued_mail, text_part

THRESHOLD = Decimal("500")
# The code stands alone on an indented line of the plain-text part.
CODE_LINE = re.compile(r"^\s+([0-9]{6})\s*$", re.MULTILINE)


def code_in(text: str) -> str:
    found = CODE_LINE.search(text)
    assert found is not None, f"no code in:\n{text}"
    return found.group(1)


def code_mails(catcher: MailCatcher, address: str) -> list:
    """The one-time-code mails to address (sign-up and payments mail it other things)."""
    return [m for m in catcher.to(address) if m["X-Checkout-Template"] == "otp_code"]


async def mailed_code(app, catcher: MailCatcher, address: str) -> str:
    """Send the queued mail to the catcher; the code in the newest mail to address."""
    await send_queued_mail(app, catcher)
    received = code_mails(catcher, address)
    assert received, f"no code mailed to {address}"
    return code_in(text_part(received[-1]))


async def let_resend_now(redis, session_id: str, wallet_code: str) -> None:
    """What RESEND_INTERVAL seconds of waiting does: the cooldown key runs out."""
    await redis.delete(otp_challenges.COOLDOWN.format(session_id, wallet_code))


async def let_code_expire(redis, session_id: str, challenge_id: str) -> None:
    """What the code's five minutes do: Redis drops the challenge at its TTL."""
    await redis.delete(otp_challenges.CHALLENGE.format(session_id, challenge_id))


def wait_for_mail(catcher: MailCatcher, address: str, count: int, timeout: float = 30):
    """For synchronous (browser) tests: the newest mail to address once count have come,
    sent by a real worker process. A deadline for that process, not a timing claim."""
    deadline = time.monotonic() + timeout
    while len(received := code_mails(catcher, address)) < count:
        assert time.monotonic() < deadline, f"no mail number {count} to {address}"
        time.sleep(0.1)
    return received[-1]
