"""Idempotency-Key on creating POSTs: replay, conflict, in flight."""

import asyncio
from decimal import Decimal

from checkout import create_app
from checkout.errors import Unprocessable
from checkout.web.api.auth import account_required
from checkout.web.api.idempotency import idempotent
from tests.support import body, call, register


def session_url(merchant):
    return f"/api/v1/txn/payment-session/{merchant['walletCode']}"


async def test_same_key_replays_the_first_response(client, app):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "order-1001"}
    first = await call(client, "POST", session_url(merchant), {"amount": Decimal("5.00")}, headers)
    second = await call(client, "POST", session_url(merchant), {"amount": Decimal("5.00")}, headers)
    assert first.status_code == second.status_code == 201
    assert await first.get_data() == await second.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    db = app.app.extensions["checkout"].db
    assert await db.payment_sessions.count_documents({"payee_wallet": merchant["walletCode"]}) == 1


async def test_same_key_with_other_parameters_is_422(client):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "order-1002"}
    await call(client, "POST", session_url(merchant), {"amount": Decimal("5.00")}, headers)
    other = await call(client, "POST", session_url(merchant), {"amount": Decimal("6.00")}, headers)
    assert other.status_code == 422
    assert (await body(other))["error"]["code"] == "idempotency_error"


async def test_keys_are_scoped_to_the_account(client):
    first, second = await register(client), await register(client)
    for merchant in (first, second):
        response = await call(
            client,
            "POST",
            session_url(merchant),
            {"amount": 5},
            {**merchant["headers"], "Idempotency-Key": "shared-key"},
        )
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers


async def test_an_error_answer_is_replayed_too(client):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "bad-1"}
    first = await call(client, "POST", session_url(merchant), {"amount": 0}, headers)
    second = await call(client, "POST", session_url(merchant), {"amount": 0}, headers)
    assert first.status_code == second.status_code == 400
    assert await first.get_data() == await second.get_data()


async def test_same_key_in_flight_is_409(client, app):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "racing"}
    responses = await asyncio.gather(
        *(call(client, "POST", session_url(merchant), {"amount": 5}, headers) for _ in range(8))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1 and set(statuses) <= {201, 409}
    created = {(await body(r))["transactionTraceId"] for r in responses if r.status_code == 201}
    assert len(created) == 1  # replays carry the one session; no duplicate was made
    db = app.app.extensions["checkout"].db
    assert await db.payment_sessions.count_documents({"payee_wallet": merchant["walletCode"]}) == 1
    conflicts = [(await body(r))["error"]["code"] for r in responses if r.status_code == 409]
    assert set(conflicts) <= {"idempotency_in_flight"}


async def test_a_key_held_by_a_running_request_answers_409_in_flight(settings):
    """Deterministic twin of the race above: the second request arrives while the first
    is certainly still running (it waits on an event the test sets)."""
    application = create_app(settings)
    release = asyncio.Event()

    @application.post("/api/v1/test/slow")
    @account_required
    @idempotent
    async def slow():
        await release.wait()
        return {"done": True}, 201

    async with application.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        headers = {**merchant["headers"], "Idempotency-Key": "held"}
        first = asyncio.create_task(call(client, "POST", "/api/v1/test/slow", {}, headers))
        await asyncio.sleep(0.3)
        second = await call(client, "POST", "/api/v1/test/slow", {}, headers)
        release.set()
        assert (await first).status_code == 201
        assert second.status_code == 409
        assert (await body(second))["error"]["code"] == "idempotency_in_flight"


async def test_wallet_creation_is_idempotent(client):
    merchant = await register(client)
    headers = {**merchant["headers"], "Idempotency-Key": "wallet-1"}
    first = await call(client, "POST", "/api/v1/wallets", {"name": "Bar"}, headers)
    second = await call(client, "POST", "/api/v1/wallets", {"name": "Bar"}, headers)
    assert (await body(first))["walletCode"] == (await body(second))["walletCode"]


async def test_bad_keys_are_refused(client):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        session_url(merchant),
        {"amount": 5},
        {**merchant["headers"], "Idempotency-Key": "x" * 300},
    )
    assert response.status_code == 400


async def test_a_failure_while_writing_the_answer_frees_the_key(settings):
    """Whatever fails after the key is claimed, even turning the answer into JSON, frees
    the key: one left in flight would answer 409 to every retry for 10 minutes."""
    application = create_app(settings)

    @application.post("/api/v1/test/unwritable")
    @account_required
    @idempotent
    async def unwritable():  # an error whose details JSON cannot write
        raise Unprocessable("This answer cannot be written.", detail=object())

    async with application.test_app() as test_app:
        client = test_app.test_client()
        merchant = await register(client)
        headers = {**merchant["headers"], "Idempotency-Key": "unwritable-1"}
        statuses = [
            (await call(client, "POST", "/api/v1/test/unwritable", {}, headers)).status_code
            for _ in range(2)
        ]
        assert statuses == [500, 500]  # the retry runs again: not 409 in flight
        db = test_app.app.extensions["checkout"].db
        account = await db.accounts.find_one({"user_code": merchant["userCode"]})
        assert (
            await db.idempotency_keys.count_documents({"_id": f"{account['_id']}:unwritable-1"})
            == 0
        )


async def test_a_wait_answer_is_not_kept_so_the_retry_runs_for_real(client, app):
    """423 and 429 say "not now": the key is freed, and the same request retried later
    runs instead of replaying the refusal for 24 hours."""
    merchant = await register(client, pin="135790")
    wallets = app.app.extensions["checkout"].redis
    payload = {"walletCode": merchant["walletCode"], "amount": Decimal("10.00"), "pin": "135790"}
    headers = {**merchant["headers"], "Idempotency-Key": "payout-after-lock"}
    for _ in range(5):
        wrong = await call(
            client,
            "POST",
            "/api/v1/txn/withdraw",
            {**payload, "pin": "000000"},
            merchant["headers"],
        )
        assert wrong.status_code == 401
    locked = await call(client, "POST", "/api/v1/txn/withdraw", payload, headers)
    assert locked.status_code == 423

    db = app.app.extensions["checkout"].db
    assert await db.idempotency_keys.count_documents({"_id": {"$regex": "payout-after-lock$"}}) == 0
    # The lock runs out (here: the operator clears it) and the retry pays out.
    await wallets.delete(*await wallets.keys(f"*{merchant['walletCode']}*"))
    retried = await call(client, "POST", "/api/v1/txn/withdraw", payload, headers)
    assert retried.status_code == 201, await retried.get_data()


async def test_a_replay_never_keeps_or_repeats_a_one_time_secret(client, app):
    """PINs, API keys and webhook secrets are shown once. The kept answer of an idempotent
    request must not hold them in clear for 24 hours: it keeps null in their place, and a
    replay says so (the owner resets the PIN or rotates the secret if the answer was lost)."""
    merchant = await register(client)
    db = app.app.extensions["checkout"].db
    creations = [
        ("/api/v1/wallets", {"name": "Till", "pin": "246810"}, "pin"),
        ("/api/v1/keys", {"label": "shop"}, "secret"),
        (
            "/api/v1/webhooks",
            {"url": "https://93.184.215.14/hooks", "events": ["payment_session.canceled"]},
            "secret",
        ),
    ]
    for path, payload, secret_field in creations:
        headers = {**merchant["headers"], "Idempotency-Key": f"once-{path}"}
        first = await call(client, "POST", path, payload, headers)
        assert first.status_code == 201, (path, await first.get_data())
        secret = (await body(first))[secret_field]
        assert secret
        stored = await db.idempotency_keys.find_one({"_id": {"$regex": f"once-{path}$"}})
        assert stored is not None and secret not in stored["body"], path
        replay = await call(client, "POST", path, payload, headers)
        assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
        replayed = await body(replay)
        assert replayed[secret_field] is None, path
        assert {k: v for k, v in replayed.items() if k != secret_field} == {
            k: v for k, v in (await body(first)).items() if k != secret_field
        }
