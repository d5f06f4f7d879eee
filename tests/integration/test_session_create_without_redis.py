"""D12: creating a session while Redis is down must leave nothing a retry could duplicate.

The app gets its own redis-server, which the test stops and starts again; MongoDB stays up.
"""

from decimal import Decimal

from checkout import create_app
from tests.servers import ServerProcess, start_redis, wait_for_port
from tests.support import body, call, register


async def test_a_session_made_while_redis_is_down_is_made_once(settings):
    redis = start_redis()
    app = create_app(settings.replace(redis_url=f"redis://127.0.0.1:{redis.port}/0"))
    restarted = None
    try:
        async with app.test_app() as test_app:
            client = test_app.test_client()
            merchant = await register(client)
            redis.stop()

            url = f"/api/v1/txn/payment-session/{merchant['walletCode']}"
            payload = {"amount": Decimal("12.00"), "clientReferenceId": "order-d12"}
            headers = {**merchant["headers"], "Idempotency-Key": "order-d12"}
            first = await call(client, "POST", url, payload, headers)
            again = await call(client, "POST", url, payload, headers)
            assert first.status_code == again.status_code == 201, await first.get_data()
            made = (await body(first))["transactionTraceId"]
            assert (await body(again))["transactionTraceId"] == made

            db = test_app.app.extensions["checkout"].db
            stored = await db.payment_sessions.count_documents({"client_reference_id": "order-d12"})
            assert stored == 1

            # When Redis is back the page finds the session in MongoDB.
            restarted = ServerProcess(
                [
                    "redis-server",
                    "--port",
                    str(redis.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ],
                redis.port,
                log_name="redis-again",
            )
            wait_for_port(redis.port, restarted.process)
            page = await client.get(f"/checkout/{made}")
            assert page.status_code == 200
            assert "12.00" in await page.get_data(as_text=True)
    finally:
        redis.stop()
        if restarted is not None:
            restarted.stop()


async def test_a_retry_finds_the_session_its_key_made_even_without_the_key_record(client, app):
    """The key also lives on the session record: if the HTTP-level record is lost after
    the insert (a crash between the two writes), the retry still gets the same session."""
    merchant = await register(client)
    url = f"/api/v1/txn/payment-session/{merchant['walletCode']}"
    headers = {**merchant["headers"], "Idempotency-Key": "crash-between-writes"}
    first = await call(client, "POST", url, {"amount": Decimal("3.00")}, headers)
    assert first.status_code == 201
    db = app.app.extensions["checkout"].db
    deleted = await db.idempotency_keys.delete_many({"_id": {"$regex": "crash-between-writes$"}})
    assert deleted.deleted_count == 1
    again = await call(client, "POST", url, {"amount": Decimal("3.00")}, headers)
    assert again.status_code == 201
    assert (await body(again))["transactionTraceId"] == (await body(first))["transactionTraceId"]
