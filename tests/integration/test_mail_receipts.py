"""Receipts and notices: queued with the money movement, sent over real SMTP (aiosmtpd)."""

from decimal import Decimal

import pytest

from checkout.statuses import MailState
from tests.integration.money_out_support import PIN, checkout_command, pay, refund, withdraw
from tests.mail_support import send_queued_mail, start_mail_worker, text_part
from tests.support import body, call, create_session, register
from tests.webhook_support import eventually


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


async def test_the_payer_gets_a_receipt_with_merchant_amounts_reference_and_time(
    client, app, mail_catcher
):
    merchant = await register(client, "Receipt Roasters")
    shopper = await register(client, "Receipt Shopper", pin=PIN)
    session = await create_session(
        client,
        merchant,
        Decimal("12.50"),
        customerEmail="customer@example.com",
        clientReferenceId="order-4711",
        description="Two flat whites",
    )
    paid = await pay(client, session, shopper)
    assert paid.status_code == 200
    await send_queued_mail(app, mail_catcher)

    [receipt] = mail_catcher.to(shopper["email"], "Your payment to")
    assert receipt["Subject"] == "Your payment to Receipt Roasters"
    text = text_part(receipt)
    reference = session["transactionTraceId"]
    for expected in (
        "You paid Receipt Roasters.",
        "Amount: $12.50",
        "Service fee: $0.03",  # 0.2 % of 12.50, rounded
        "Total paid: $12.53",
        f"Reference: {reference}",
        "Order reference: order-4711",
        "Description: Two flat whites",
        f"Paid from wallet: {shopper['walletCode'][:5]}••••{shopper['walletCode'][-4:]}",
    ):
        assert expected in text, (expected, text)
    assert "Time: " in text and " UTC" in text
    # The session's customerEmail gets the same receipt; the merchant asked for nothing.
    [copy] = mail_catcher.to("customer@example.com", "Your payment to")
    assert f"Reference: {reference}" in text_part(copy)
    assert mail_catcher.to(merchant["email"], "Payment received") == []


async def test_the_merchant_notice_is_a_profile_setting(client, app, mail_catcher):
    merchant = await register(client, "Notified Merchant")
    shopper = await register(client, "Notice Shopper", pin=PIN)
    changed = await call(
        client, "PUT", "/api/v1/org/profile", {"notifyPayments": True}, merchant["headers"]
    )
    assert changed.status_code == 200
    assert (await body(changed))["notifyPayments"] is True
    session = await create_session(client, merchant, Decimal("40.00"))
    assert (await pay(client, session, shopper)).status_code == 200
    await send_queued_mail(app, mail_catcher)
    [notice] = mail_catcher.to(merchant["email"], "Payment received")
    assert notice["Subject"] == "Payment received: $40.00"
    text = text_part(notice)
    assert f"Reference: {session['transactionTraceId']}" in text
    assert f"Paid into wallet: {merchant['walletCode']}" in text


async def test_refund_and_withdrawal_notices_go_to_the_account_concerned(
    client, app, mail_catcher, store_env
):
    merchant = await register(client, "Refunding Merchant", pin=PIN)
    shopper = await register(client, "Refunded Shopper", pin=PIN)
    session = await create_session(client, merchant, Decimal("30.00"))
    assert (await pay(client, session, shopper)).status_code == 200
    refunded = await refund(
        client, merchant, session, {"amount": Decimal("10.00"), "reason": "cold"}
    )
    assert refunded.status_code == 201, await refunded.get_data()
    withdrawn = await withdraw(client, merchant, Decimal("25.00"))
    assert withdrawn.status_code == 201, await withdrawn.get_data()
    withdrawal_id = (await body(withdrawn))["id"]
    code, _, err = await checkout_command(store_env, "payouts", "mark", withdrawal_id, "paid")
    assert code == 0, err
    await send_queued_mail(app, mail_catcher)

    [refund_mail] = mail_catcher.to(shopper["email"], "refunded")
    assert refund_mail["Subject"] == "Refunding Merchant refunded $10.00"
    assert "Reason: cold" in text_part(refund_mail)
    assert mail_catcher.to(merchant["email"], "refunded") == []
    [requested] = mail_catcher.to(merchant["email"], "Withdrawal requested")
    assert f"Withdrawal reference: {withdrawal_id}" in text_part(requested)
    assert "Withdrawal fee: $2.00" in text_part(requested)
    [paid_out] = mail_catcher.to(merchant["email"], "Withdrawal paid out")
    assert paid_out["Subject"] == "Withdrawal paid out: $25.00"


async def test_a_refused_payment_sends_no_receipt(client, ctx, app, mail_catcher):
    merchant = await register(client, "Refusing Merchant")
    shopper = await register(client, "Wrong Pin Shopper", pin=PIN)
    session = await create_session(client, merchant, Decimal("5.00"))
    assert (await pay(client, session, shopper, pin="000000")).status_code == 401
    too_much = await create_session(client, merchant, Decimal("5000.00"))
    assert (await pay(client, too_much, shopper)).status_code == 402
    await send_queued_mail(app, mail_catcher)
    assert mail_catcher.to(shopper["email"], "Your payment to") == []


async def test_smtp_down_during_a_payment_the_receipt_arrives_once_it_is_back(
    client, ctx, mail_catcher, store_env
):
    merchant = await register(client, "Outage Merchant")
    shopper = await register(client, "Outage Shopper", pin=PIN)
    mail_catcher.stop()
    worker = start_mail_worker(store_env, mail_catcher)
    try:
        session = await create_session(client, merchant, Decimal("8.00"))
        paid = await pay(client, session, shopper)
        assert paid.status_code == 200  # the payment does not wait on SMTP
        reference = session["transactionTraceId"]

        async def failed_once():
            message = await ctx.db.mail_outbox.find_one(
                {"to": shopper["email"], "context.reference": reference}
            )
            return message if message and message.get("failures", 0) >= 1 else None

        message = await eventually(failed_once, what="a failed attempt while SMTP is down")
        assert message["state"] == MailState.PENDING
        assert mail_catcher.messages == []

        mail_catcher.start()
        [receipt] = await mail_catcher.wait_for(shopper["email"], subject="Your payment to")
        assert f"Reference: {reference}" in text_part(receipt)

        async def sent():
            done = await ctx.db.mail_outbox.find_one({"_id": message["_id"]})
            return done if done["state"] == MailState.SENT else None

        await eventually(sent, what="the receipt marked sent")
        attempts = await ctx.db.mail_attempts.find({"mail_id": message["_id"]}).to_list(None)
        assert [a["succeeded"] for a in attempts][-1] is True
        assert not any(a["succeeded"] for a in attempts[:-1])
        assert len(mail_catcher.to(shopper["email"], "Your payment to")) == 1
    finally:
        worker.stop()
