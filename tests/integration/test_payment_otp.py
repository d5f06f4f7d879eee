"""The one-time-code step-up of large payments, over HTTP on the real stores, with the code
read from the mail a real SMTP server received."""

import asyncio
import logging
from decimal import Decimal

import pytest

from checkout import otp_codes
from checkout.services import otp
from checkout.services.reconcile import reconcile
from checkout.storage import otp_challenges
from checkout.storage import sessions as session_store
from tests.integration.money_out_support import balance
from tests.mail_support import html_part, text_part
from tests.otp_support import THRESHOLD, code_mails, let_code_expire, let_resend_now, mailed_code
from tests.support import body, call, create_session, register


@pytest.fixture
def settings(settings):
    return settings.replace(otp_threshold=THRESHOLD)


@pytest.fixture
def ctx(app):
    return app.app.extensions["checkout"]


def pay_url(session):
    return f"/api/v1/txn/accept-payment/{session['transactionTraceId']}"


async def pay(client, session, payer, **extra):
    return await call(
        client,
        "POST",
        pay_url(session),
        {
            "fromWalletCode": payer["walletCode"],
            "totalAmount": session["totalAmount"],
            "pin": payer["pin"],
            **extra,
        },
    )


async def journal_entries(ctx, session) -> int:
    return await ctx.db.journal.count_documents({"session_id": session["transactionTraceId"]})


async def start_otp(client, merchant, payer, amount=Decimal("600.00")):
    """A session of amount, paid once without a code: the 202 answer's body."""
    session = await create_session(client, merchant, amount)
    response = await pay(client, session, payer)
    assert response.status_code == 202, await response.get_data()
    return session, await body(response)


async def test_a_total_at_the_threshold_needs_the_mailed_code_and_below_does_not(
    client, ctx, app, mail_catcher
):
    merchant = await register(client)
    payer = await register(client, organization="Big Spender")
    below = await create_session(client, merchant, Decimal("400.00"))  # 400.80 in all
    assert (await pay(client, below, payer)).status_code == 200
    assert code_mails(mail_catcher, payer["email"]) == []

    # 499.00 + 1.00 fee is exactly 500.00, the threshold.
    session, step = await start_otp(client, merchant, payer, Decimal("499.00"))
    assert session["totalAmount"] == Decimal("500.00")
    assert step["status"] == "requires_otp"
    assert step["otpChallengeId"].startswith("otp_")
    assert step["sentTo"] == payer["email"][0] + "•••@example.com"
    # Nothing moved: the session is open, no entry, the payer's balance as it was.
    assert await journal_entries(ctx, session) == 0
    assert await balance(client, payer) == Decimal("1000.00") - Decimal("400.80")
    seen = await call(
        client,
        "GET",
        f"/api/v1/txn/payment-session/{session['transactionTraceId']}",
        headers=merchant["headers"],
    )
    assert (await body(seen))["status"] == "open"

    code = await mailed_code(app, mail_catcher, payer["email"])
    [received] = code_mails(mail_catcher, payer["email"])
    assert received["Subject"] == "Your code to pay Acme Coffee"
    assert "$500.00" in text_part(received) and code in html_part(received)

    paid = await pay(client, session, payer, otp=code, otpChallengeId=step["otpChallengeId"])
    assert paid.status_code == 200, await paid.get_data()
    assert (await body(paid))["status"] == "complete"
    assert await journal_entries(ctx, session) == 1
    assert await balance(client, payer) == Decimal("1000.00") - Decimal("400.80") - Decimal("500")
    assert not (await reconcile(ctx.stores)).problems


async def test_a_wrong_code_says_how_many_tries_are_left_and_five_kill_the_code(
    client, ctx, app, mail_catcher
):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    answers = []
    for _ in range(5):
        response = await pay(
            client, session, payer, otp=wrong, otpChallengeId=step["otpChallengeId"]
        )
        assert response.status_code == 401
        answers.append((await body(response))["error"])
    assert [a["code"] for a in answers] == ["invalid_otp"] * 5
    assert [a["attemptsLeft"] for a in answers] == [4, 3, 2, 1, 0]
    assert answers[0]["message"] == "The one-time code is incorrect. 4 attempts left."

    # Dead: even the right code is refused now, and nothing moved.
    late = await pay(client, session, payer, otp=code, otpChallengeId=step["otpChallengeId"])
    assert late.status_code == 410
    assert (await body(late))["error"]["code"] == "otp_expired"
    assert (await body(late))["error"]["reason"] == "dead"
    assert await journal_entries(ctx, session) == 0


async def test_a_code_expires_after_five_minutes(client, ctx, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    key = otp_challenges.CHALLENGE.format(session["transactionTraceId"], step["otpChallengeId"])
    assert 290 < await ctx.redis.ttl(key) <= otp.CODE_TTL == 300

    await let_code_expire(ctx.redis, session["transactionTraceId"], step["otpChallengeId"])
    late = await pay(client, session, payer, otp=code, otpChallengeId=step["otpChallengeId"])
    assert late.status_code == 410
    error = (await body(late))["error"]
    assert (error["code"], error["reason"]) == ("otp_expired", "expired")
    assert await journal_entries(ctx, session) == 0


async def test_a_used_code_cannot_be_replayed(client, ctx, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    first, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    answer = {"otp": code, "otpChallengeId": step["otpChallengeId"]}
    assert (await pay(client, first, payer, **answer)).status_code == 200

    # The same call again: the session is paid, and stays paid once.
    again = await pay(client, first, payer, **answer)
    assert again.status_code == 409
    assert (await body(again))["error"]["code"] == "already_paid"

    # A second payment the payer cannot afford uses its code up on the way: replaying
    # that code (the session still open) finds it used.
    second, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    answer = {"otp": code, "otpChallengeId": step["otpChallengeId"]}
    assert (await pay(client, second, payer, **answer)).status_code == 402
    replay = await pay(client, second, payer, **answer)
    assert replay.status_code == 410
    error = (await body(replay))["error"]
    assert (error["code"], error["reason"]) == ("otp_expired", "used")
    assert await journal_entries(ctx, first) == 1
    assert await journal_entries(ctx, second) == 0


async def test_a_code_is_bound_to_its_session_payer_and_amount(client, ctx, app, mail_catcher):
    merchant = await register(client)
    payer = await register(client, organization="Payer")
    other = await register(client, organization="Other Payer")
    session, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    answer = {"otp": code, "otpChallengeId": step["otpChallengeId"]}

    # Another session of the same amount: the challenge does not exist there.
    elsewhere = await create_session(client, merchant, Decimal("600.00"))
    refused = await pay(client, elsewhere, payer, **answer)
    assert refused.status_code == 410
    assert (await body(refused))["error"]["reason"] == "expired"

    # Another payer (with their own right PIN) cannot spend this payer's code.
    refused = await pay(client, session, other, **answer)
    assert refused.status_code == 410
    assert (await body(refused))["error"]["reason"] == "mismatch"

    # Another amount: a challenge records the total it was made for.
    sid = session["transactionTraceId"]
    await ctx.db.payment_sessions.update_one({"_id": sid}, {"$inc": {"total": 1}})
    await ctx.redis.delete(session_store.KEY.format(sid))
    changed = {**session, "totalAmount": session["totalAmount"] + Decimal("0.01")}
    refused = await pay(client, changed, payer, **answer)
    assert (await body(refused))["error"]["reason"] == "mismatch"
    await ctx.db.payment_sessions.update_one({"_id": sid}, {"$inc": {"total": -1}})
    await ctx.redis.delete(session_store.KEY.format(sid))

    # None of that cost a try or the code: it still pays, once.
    assert (await pay(client, session, payer, **answer)).status_code == 200
    assert await journal_entries(ctx, elsewhere) == 0


async def test_new_codes_are_rate_limited_and_replace_the_old_one(client, ctx, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session, first = await start_otp(client, merchant, payer)
    old_code = await mailed_code(app, mail_catcher, payer["email"])

    too_soon = await pay(client, session, payer)
    assert too_soon.status_code == 429
    assert (await body(too_soon))["error"]["code"] == "too_many_otp_codes"
    assert 0 < int(too_soon.headers["Retry-After"]) <= otp.RESEND_INTERVAL
    assert len(code_mails(mail_catcher, payer["email"])) == 1  # no second mail

    await let_resend_now(ctx.redis, session["transactionTraceId"], payer["walletCode"])
    resent = await pay(client, session, payer)
    assert resent.status_code == 202
    second = await body(resent)
    new_code = await mailed_code(app, mail_catcher, payer["email"])
    assert len(code_mails(mail_catcher, payer["email"])) == 2

    stale = await pay(client, session, payer, otp=old_code, otpChallengeId=first["otpChallengeId"])
    assert stale.status_code == 410
    assert (await body(stale))["error"]["reason"] == "replaced"
    fresh = await pay(client, session, payer, otp=new_code, otpChallengeId=second["otpChallengeId"])
    assert fresh.status_code == 200


async def test_a_wallet_gets_at_most_ten_codes_an_hour(client, ctx, app, mail_catcher):
    merchant, payer = await register(client), await register(client, organization="Payer")
    sessions = [
        await create_session(client, merchant, Decimal("600.00"))
        for _ in range(otp.CODES_PER_WALLET + 1)
    ]
    answers = [await pay(client, session, payer) for session in sessions]
    assert [a.status_code for a in answers] == [202] * otp.CODES_PER_WALLET + [429]
    error = (await body(answers[-1]))["error"]
    assert error["code"] == "too_many_otp_codes"
    assert 3500 < int(answers[-1].headers["Retry-After"]) <= 3600


async def test_code_and_challenge_id_go_together(client):
    merchant, payer = await register(client), await register(client, organization="Payer")
    session = await create_session(client, merchant, Decimal("600.00"))
    alone = await pay(client, session, payer, otp="123456")
    assert alone.status_code == 400
    assert (await body(alone))["error"]["fields"] == ["otpChallengeId"]
    bad = await pay(client, session, payer, otp="12345a", otpChallengeId="otp_x")
    assert bad.status_code == 400
    assert (await body(bad))["error"]["field"] == "otp"


async def test_the_code_is_kept_only_as_a_keyed_hash_and_never_logged(
    client, ctx, app, mail_catcher, caplog
):
    # Everything the app logs, at every level (the driver's own DEBUG command log prints
    # whole documents, the mail outbox's included: production logs it at INFO at most).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="checkout")
    merchant, payer = await register(client), await register(client, organization="Payer")
    session, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])
    sid, cid = session["transactionTraceId"], step["otpChallengeId"]

    stored = await ctx.redis.hgetall(otp_challenges.CHALLENGE.format(sid, cid))
    assert code not in str(stored)
    key = otp_codes.code_key(ctx.settings.pin_pepper)
    assert stored["code_hash"] == otp_codes.code_hash(key, cid, code)
    outbox = await ctx.db.mail_outbox.find_one({"to": payer["email"], "template": "otp_code"})
    assert "context" not in outbox  # the outbox forgot the code once the mail went
    assert (await pay(client, session, payer, otp=code, otpChallengeId=cid)).status_code == 200
    assert code not in caplog.text


async def test_the_contract_documents_the_code_step(client):
    document = await body(await client.get("/openapi.json"))
    operation = document["paths"]["/api/v1/txn/accept-payment/{session_id}"]["post"]
    assert {"200", "202", "401", "410", "429"} <= set(operation["responses"])
    request = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"otp", "otpChallengeId"} <= set(request["properties"])
    step = operation["responses"]["202"]["content"]["application/json"]["schema"]
    assert set(step["required"]) == {"status", "otpChallengeId", "sentTo", "expiresAt"}
    assert step["properties"]["status"]["const"] == "requires_otp"
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert {"attemptsLeft", "reason"} <= set(detail["properties"])


# --- two tabs, or ten: the right code completes one payment ---


async def test_ten_concurrent_completions_with_the_right_code_pay_once(
    client, ctx, app, mail_catcher
):
    merchant = await register(client, organization="Race Merchant")
    payer = await register(client, organization="Race Payer")
    session, step = await start_otp(client, merchant, payer)
    code = await mailed_code(app, mail_catcher, payer["email"])

    answers = await asyncio.gather(
        *(
            pay(client, session, payer, otp=code, otpChallengeId=step["otpChallengeId"])
            for _ in range(10)
        )
    )

    statuses = [a.status_code for a in answers]
    assert statuses.count(200) == 1, [await a.get_data() for a in answers]
    # The others found the code used (410) or, arriving after the payment, the session
    # paid (409); none moved money.
    refusals = {
        (a.status_code, (await body(a))["error"]["code"]) for a in answers if a.status_code != 200
    }
    assert refusals <= {(410, "otp_expired"), (409, "already_paid")}, refusals
    assert await journal_entries(ctx, session) == 1
    assert await balance(client, payer) == Decimal("1000.00") - Decimal("601.20")
    assert not (await reconcile(ctx.stores)).problems


async def test_concurrent_submissions_use_a_code_once_and_count_every_wrong_one(ctx):
    """The atomic check-and-use in Redis, raced directly: of ten submissions of the right
    code one gets through; of twenty wrong ones exactly five are counted, the rest find
    the code dead."""
    key = otp_codes.code_key(ctx.settings.pin_pepper)

    async def new_challenge(session_id):
        await otp_challenges.create_challenge(
            ctx.redis,
            session_id,
            "otp_race",
            code_hash=otp_codes.code_hash(key, "otp_race", "246810"),
            payer="wllt-racer",
            total=60120,
            sent_to="r•••@example.com",
            ttl=otp.CODE_TTL,
            resend_interval=otp.RESEND_INTERVAL,
        )

    def submit(session_id, code):
        return otp_challenges.consume_code(
            ctx.redis,
            session_id,
            "otp_race",
            payer="wllt-racer",
            total=60120,
            code_hash=otp_codes.code_hash(key, "otp_race", code),
            max_attempts=otp.MAX_ATTEMPTS,
        )

    # A connection ready for each submission, so they overlap in Redis rather than queue
    # behind the first one's connect.
    await asyncio.gather(*(ctx.redis.ping() for _ in range(20)))
    await new_challenge("cs_right_race")
    outcomes = await asyncio.gather(*(submit("cs_right_race", "246810") for _ in range(10)))
    assert sorted(o for o, _ in outcomes) == ["ok"] + ["used"] * 9

    await new_challenge("cs_wrong_race")
    outcomes = await asyncio.gather(*(submit("cs_wrong_race", "000000") for _ in range(20)))
    counted = sorted((left for outcome, left in outcomes if outcome == "wrong"), reverse=True)
    assert counted == [4, 3, 2, 1, 0]
    assert sorted(o for o, _ in outcomes).count("dead") == 15
