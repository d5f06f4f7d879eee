"""The mail transport: queued in the outbox (in the caller's transaction), sent over real
SMTP (aiosmtpd) by the worker, retried through an outage, each message once."""

from datetime import UTC, datetime

import pytest

from checkout.services import mail
from checkout.statuses import MailState
from tests.mail_support import html_part, send_queued_mail, start_mail_worker, text_part
from tests.webhook_support import eventually

RECEIPT = {
    "merchant": "Acme <Coffee>",
    "amount": 1250,
    "fee": 3,
    "total": 1253,
    "currency": "USD",
    "wallet": "wllt-payer",
    "reference": "txn-ref-1",
    "order_reference": None,
    "paid_at": datetime(2026, 11, 26, 9, 30, tzinfo=UTC),
}


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


@pytest.fixture
def workers(store_env):
    started = []
    yield lambda catcher: started.append(start_mail_worker(store_env, catcher)) or started[-1]
    for process in started:
        process.stop()


async def test_a_mail_is_queued_only_if_its_transaction_commits(ctx, app, mail_catcher):
    class Abort(Exception):
        pass

    async def queue_then_fail(session):
        await mail.queue_mail(
            ctx,
            to="lost@example.com",
            template="receipt",
            locale="en",
            context=RECEIPT,
            session=session,
        )
        raise Abort

    with pytest.raises(Abort):
        await ctx.stores.in_transaction(queue_then_fail)

    async def queue(session):
        await mail.queue_mail(
            ctx,
            to="kept@example.com",
            template="receipt",
            locale="en",
            context=RECEIPT,
            session=session,
        )

    await ctx.stores.in_transaction(queue)
    assert await ctx.db.mail_outbox.count_documents({"to": "lost@example.com"}) == 0
    assert await send_queued_mail(app, mail_catcher) == 1
    assert mail_catcher.to("lost@example.com") == []
    [received] = mail_catcher.to("kept@example.com")
    assert received["Subject"] == "Your payment to Acme <Coffee>"
    assert received["From"].addresses[0].addr_spec == "noreply@localhost"
    assert received["Auto-Submitted"] == "auto-generated"
    text = text_part(received)
    assert "Total paid: $12.53" in text
    assert "txn-ref-1" in text
    html = html_part(received)
    assert "Acme &lt;Coffee&gt;" in html  # escaped in the HTML part
    assert "<Coffee>" not in html


async def test_sent_mail_forgets_its_context_and_logs_the_attempt(ctx, app, mail_catcher):
    await mail.queue_mail(
        ctx, to="log@example.com", template="receipt", locale="en", context=RECEIPT
    )
    await send_queued_mail(app, mail_catcher)
    message = await ctx.db.mail_outbox.find_one({"to": "log@example.com"})
    assert message["state"] == MailState.SENT
    assert "context" not in message  # a reset link or a code is not kept once sent
    [attempt] = await ctx.db.mail_attempts.find({"mail_id": message["_id"]}).to_list(None)
    assert attempt["succeeded"] is True
    assert attempt["error"] is None


async def test_arabic_mail_is_right_to_left_and_loads_nothing_remote(ctx, app, mail_catcher):
    await mail.queue_mail(
        ctx, to="ar@example.com", template="receipt", locale="ar", context=RECEIPT
    )
    await send_queued_mail(app, mail_catcher)
    [received] = mail_catcher.to("ar@example.com")
    assert received["Content-Language"] == "ar"
    html = html_part(received)
    assert '<html lang="ar" dir="rtl">' in html
    assert "المبلغ" in html  # "Amount", from the Arabic catalog
    for remote in ("<img", "src=", "url(", "<link", "@import"):
        assert remote not in html
    assert text_part(received).startswith("\u200f")  # plain text opens right-to-left


async def test_an_smtp_outage_delays_mail_and_loses_none(ctx, app, mail_catcher):
    mail_catcher.stop()
    await mail.queue_mail(
        ctx, to="later@example.com", template="receipt", locale="fr", context=RECEIPT
    )
    sending = ctx.settings.replace(
        smtp_host="127.0.0.1",
        smtp_port=mail_catcher.port,
        smtp_starttls=False,
        mail_retry_schedule=(1,),
    )
    failed_ctx = type(ctx)(
        stores=ctx.stores, settings=sending, passwords=ctx.passwords, dummy_password_hash=""
    )
    assert await mail.send_due(failed_ctx) == 1
    message = await ctx.db.mail_outbox.find_one({"to": "later@example.com"})
    assert message["state"] == MailState.PENDING
    assert message["failures"] == 1
    assert "context" in message  # still needed for the next attempt
    [attempt] = await ctx.db.mail_attempts.find({"mail_id": message["_id"]}).to_list(None)
    assert attempt["succeeded"] is False
    assert "Connect" in attempt["error"] or "refused" in attempt["error"].lower()

    mail_catcher.start()
    await ctx.db.mail_outbox.update_one(  # its retry is due now rather than in a second
        {"_id": message["_id"]}, {"$set": {"next_attempt_at": message["created_at"]}}
    )
    assert await send_queued_mail(app, mail_catcher) == 1
    [received] = mail_catcher.to("later@example.com")
    assert received["Subject"] == "Votre paiement à Acme <Coffee>"


async def test_several_workers_send_each_message_exactly_once(ctx, mail_catcher, workers):
    addresses = [f"many-{n}@example.com" for n in range(30)]
    for address in addresses:
        await mail.queue_mail(ctx, to=address, template="receipt", locale="en", context=RECEIPT)
    workers(mail_catcher)
    workers(mail_catcher)

    async def all_sent():
        return await ctx.db.mail_outbox.count_documents(
            {"to": {"$in": addresses}, "state": MailState.SENT}
        ) == len(addresses)

    await eventually(all_sent, what="every queued mail sent")
    assert sorted(m["To"] for m in mail_catcher.messages) == sorted(addresses)
