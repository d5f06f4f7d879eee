"""Mail: queued in the MongoDB outbox by the request (in the same transaction as what caused
it), rendered and sent over SMTP by `python -m checkout worker`.

No request waits on SMTP. A message is rendered when it is sent, in the recipient's
language, from templates/mail/<template>.txt and .html (plain-text and HTML parts; the HTML
is right-to-left for Arabic and loads nothing remote). A failed attempt is retried on
MAIL_RETRY_SCHEDULE; each attempt is logged in mail_attempts. Once a message is sent (or
given up on) its context, which may hold a single-use link or a code, is deleted from the
outbox; the log keeps who, which template and when.

Delivery is at least once: a worker that dies after the SMTP server accepted a message but
before recording it leaves the lease to run out, and the message is sent again with the
same Message-ID, which lets mail systems drop the duplicate.
"""

import logging
import secrets
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from functools import cache
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, select_autoescape

from .. import i18n
from ..statuses import MailState
from ..storage import mail as store
from . import Context, utcnow

log = logging.getLogger(__name__)

TEMPLATES_DIR = i18n.TRANSLATIONS_DIR.parent / "templates"
# Recipients the SMTP server refuses with these codes will never take the message.
PERMANENT_SMTP_CODES = range(500, 600)
SEND_BATCH = 10
# Outbox fields that may carry a secret (a reset link, a code), and attached files (an
# invoice PDF, bulky): deleted once sent.
FORGOTTEN_WHEN_DONE = ("context", "attachments")
# One message's attached files, at most (they sit in the outbox document until sent).
MAX_ATTACHMENT_BYTES = 4 * 1024 * 1024


def new_message_id() -> str:
    return "mail_" + secrets.token_hex(12)


async def queue_mail(
    ctx: Context,
    *,
    to: str,
    template: str,
    locale: str,
    context: dict,
    session=None,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> None:
    """Queue one message for the worker. With session (a PyMongo client session in a
    transaction) it is queued only if that transaction commits. context holds what the
    template shows, as BSON values (str, int minor units, datetime, bool). attachments:
    (filename, content type, bytes) of files sent with it, e.g. an invoice's PDF."""
    document = mail_document(to, template, locale, context, attachments)
    await store.insert_messages(ctx.db, [document], session)


def mail_document(
    to: str,
    template: str,
    locale: str | None,
    context: dict,
    attachments: list[tuple[str, str, bytes]] | None = None,
) -> dict:
    """An outbox message, due now (for queue_many: many in one insert)."""
    if not to or "@" not in to or any(c in to for c in "\r\n,<>"):
        raise ValueError("a mail needs one plain recipient address")
    if not (TEMPLATES_DIR / "mail" / f"{template}.txt").is_file():
        raise ValueError(f"no mail template {template!r}")
    files = [
        {"filename": name, "content_type": content_type, "data": bytes(data)}
        for name, content_type, data in attachments or ()
    ]
    if sum(len(f["data"]) for f in files) > MAX_ATTACHMENT_BYTES:
        raise ValueError("attachments too large for one mail")
    now = utcnow()
    return {
        "_id": new_message_id(),
        "to": to,
        "template": template,
        "locale": locale if locale in i18n.SUPPORTED_LOCALES else i18n.DEFAULT_LOCALE,
        "context": context,
        "state": MailState.PENDING,
        "attempt_count": 0,
        "failures": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "lease_token": None,
        "created_at": now,
        **({"attachments": files} if files else {}),
    }


async def queue_many(ctx: Context, documents: list[dict], session=None) -> None:
    """Messages built with mail_document, in one insert (a payment batch's receipts)."""
    if documents:
        await store.insert_messages(ctx.db, documents, session)


# --- rendering ---


@cache
def _catalogs() -> dict:
    return i18n.load_catalogs()


@cache
def _environment(locale: str) -> Environment:
    """One Jinja environment per language: its gettext is that language's catalog, its
    money and time filters write that language's way. HTML parts are autoescaped."""
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"], default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(_catalogs()[locale], newstyle=True)  # type: ignore[attr-defined]
    env.filters["money"] = lambda minor, currency: i18n.format_money(minor, currency, locale)
    env.filters["timestamp"] = lambda value: i18n.format_timestamp(value, locale)
    env.globals.update(
        locale=locale, text_direction=i18n.LANGUAGES[locale].direction, dir_mark=_dir_mark(locale)
    )
    return env


def _dir_mark(locale: str) -> str:
    # Plain text has no dir attribute: a right-to-left mark starts Arabic lines the right way.
    return "\u200f" if i18n.LANGUAGES[locale].direction == "rtl" else ""


def render(template: str, locale: str, context: dict, platform_name: str, base_url: str):
    """(subject, plain text, html) of one message. Each .txt template sets `subject` at its
    top; the .html one gets it as a variable."""
    env = _environment(locale if locale in i18n.SUPPORTED_LOCALES else i18n.DEFAULT_LOCALE)
    variables = {**context, "platform_name": platform_name, "base_url": base_url}
    text_module = env.get_template(f"mail/{template}.txt").make_module(variables)
    subject = " ".join(str(getattr(text_module, "subject", platform_name)).split())
    html = env.get_template(f"mail/{template}.html").render({**variables, "subject": subject})
    return subject, str(text_module).strip() + "\n", html


def compose(ctx: Context, message: dict) -> EmailMessage:
    settings = ctx.settings
    subject, text, html = render(
        message["template"],
        message["locale"],
        message.get("context") or {},
        settings.platform_name,
        settings.public_base_url,
    )
    email = EmailMessage()
    email["From"] = formataddr((settings.platform_name, settings.mail_from))
    email["To"] = message["to"]
    email["Subject"] = subject
    email["Date"] = format_datetime(message["created_at"])
    # Stable per outbox message: a second send after a crash is recognisably the same mail.
    email["Message-ID"] = f"<{message['_id']}@{settings.mail_from.rpartition('@')[2]}>"
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    # Which kind of mail this is, for mail filters (and tests) in any language.
    email["X-Checkout-Template"] = message["template"]
    email.set_content(text)
    email.add_alternative(html, subtype="html")
    email["Content-Language"] = message["locale"]  # after: set_content drops Content-*
    for attached in message.get("attachments") or ():
        maintype, _, subtype = attached["content_type"].partition("/")
        email.add_attachment(
            bytes(attached["data"]),
            maintype=maintype,
            subtype=subtype,
            filename=attached["filename"],
        )
    return email


# --- sending (the worker) ---


def lease_seconds(ctx: Context) -> float:
    return ctx.settings.smtp_timeout + 5


def retry_delay(schedule: tuple, failures: int) -> int | None:
    """Seconds to wait after the failures-th failed attempt; None when that was the last."""
    if failures < 1 or failures > len(schedule):
        return None
    return schedule[failures - 1]


async def claim_due(ctx: Context) -> dict | None:
    now = utcnow()
    return await store.claim_message(
        ctx.db, now, now + timedelta(seconds=lease_seconds(ctx)), secrets.token_hex(8)
    )


async def send_due(ctx: Context, limit: int = SEND_BATCH) -> int:
    """Claim and send up to limit due messages, one after the other on one connection
    each; returns how many were claimed."""
    claimed = 0
    while claimed < limit:
        message = await claim_due(ctx)
        if message is None:
            break
        claimed += 1
        await deliver(ctx, message)
    return claimed


async def deliver(ctx: Context, message: dict) -> str:
    """One attempt of a claimed message; records it and schedules what comes next.
    Returns the message's new state."""
    started = utcnow()
    clock = time.monotonic()
    error: str | None = None
    response: str | None = None
    final = False
    try:
        email = compose(ctx, message)
    except Exception:  # a template bug: retrying cannot help, and others must still go
        log.exception("mail %s (%s) could not be rendered", message["_id"], message["template"])
        error, final = "could not be rendered", True
    else:
        error, response, final = await _send(ctx, email)
    succeeded = error is None
    await store.insert_attempt(
        ctx.db,
        {
            "mail_id": message["_id"],
            "template": message["template"],
            "number": message.get("attempt_count", 0) + 1,
            "started_at": started,
            "succeeded": succeeded,
            "error": error,
            "smtp_response": response,
            "duration_ms": int((time.monotonic() - clock) * 1000),
        },
    )
    now = utcnow()
    changes: dict[str, Any] = {"last_attempt_at": started, "last_error": error}
    if succeeded:
        changes.update(state=MailState.SENT, sent_at=now)
    else:
        failures = message.get("failures", 0) + 1
        delay = None if final else retry_delay(ctx.settings.mail_retry_schedule, failures)
        changes["failures"] = failures
        if delay is None:
            changes.update(state=MailState.FAILED, failed_at=now)
        else:
            changes.update(state=MailState.PENDING, next_attempt_at=now + timedelta(seconds=delay))
    done = changes["state"] != MailState.PENDING
    await store.finish_attempt(
        ctx.db,
        message["_id"],
        message["lease_token"],
        changes,
        forget=FORGOTTEN_WHEN_DONE if done else (),
    )
    log.info("mail %s (%s): %s", message["_id"], message["template"], changes["state"])
    return changes["state"]


async def _send(ctx: Context, email: EmailMessage) -> tuple[str | None, str | None, bool]:
    """(error or None, the server's answer, whether the failure is final)."""
    settings = ctx.settings
    implicit_tls = settings.smtp_port == 465
    try:
        _, answer = await aiosmtplib.send(
            email,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=implicit_tls,
            start_tls=False if implicit_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refusal.code for refusal in exc.recipients]
        permanent = all(code in PERMANENT_SMTP_CODES for code in codes)
        return f"recipient refused ({', '.join(map(str, codes))})", None, permanent
    except aiosmtplib.SMTPResponseException as exc:
        return f"SMTP {exc.code}: {exc.message[:200]}", None, False
    except (aiosmtplib.SMTPException, OSError) as exc:
        return f"{type(exc).__name__}: {str(exc)[:200]}", None, False
    return None, str(answer)[:200], False
