from datetime import UTC, datetime
from decimal import Decimal

import pytest

from checkout.storage import sessions as session_store
from tests.support import body, call, create_session, register


def session_url(wallet_code):
    return f"/api/v1/txn/payment-session/{wallet_code}"


async def test_create_session_answers_original_and_new_fields(client, app):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        session_url(merchant["walletCode"]),
        {
            "amount": Decimal("12.50"),
            "description": "2 flat whites",
            "successUrl": "https://acme.test/ok?s={CHECKOUT_SESSION_ID}",
            "cancelUrl": "https://acme.test/cart",
            "clientReferenceId": "order-1001",
            "metadata": {"table": "7"},
        },
        merchant["headers"],
    )
    assert response.status_code == 201
    data = await body(response)
    assert data["amount"] == Decimal("12.50")
    assert data["serviceFee"] == Decimal("0.03")
    assert data["totalAmount"] == Decimal("12.53")
    assert data["currency"] == "USD" and data["status"] == "open"
    assert 595 <= data["session-time"] <= 600
    assert data["transactionTraceId"].startswith("cs_")
    assert data["checkoutUrl"] == f"http://checkout.test/checkout/{data['transactionTraceId']}"
    expires = datetime.fromisoformat(data["expiresAt"].replace("Z", "+00:00"))
    assert 590 < (expires - datetime.now(UTC)).total_seconds() <= 600

    ctx = app.app.extensions["checkout"]
    stored = await ctx.db.payment_sessions.find_one({"_id": data["transactionTraceId"]})
    assert stored["amount"] == 1250 and stored["fee"] == 3 and stored["total"] == 1253
    assert stored["metadata"] == {"table": "7"} and stored["client_reference_id"] == "order-1001"
    ttl = await session_store.cached_seconds_left(ctx.redis, data["transactionTraceId"])
    assert 590 < ttl <= 600


async def test_owner_reads_the_session(client):
    merchant = await register(client)
    created = await create_session(client, merchant)
    response = await call(
        client,
        "GET",
        f"/api/v1/txn/payment-session/{created['transactionTraceId']}",
        headers=merchant["headers"],
    )
    assert response.status_code == 200
    assert (await body(response))["status"] == "open"


async def test_only_the_owner_may_create_or_read(client):
    owner, other = await register(client), await register(client)
    created = await create_session(client, owner)
    forbidden = await call(
        client, "POST", session_url(owner["walletCode"]), {"amount": 5}, other["headers"]
    )
    assert forbidden.status_code == 404  # as an unknown wallet: codes cannot be probed
    assert (await body(forbidden))["error"]["code"] == "wallet_not_found"
    read = await call(
        client,
        "GET",
        f"/api/v1/txn/payment-session/{created['transactionTraceId']}",
        headers=other["headers"],
    )
    assert read.status_code == 404
    assert (await body(read))["error"]["code"] == "session_not_found"
    anonymous = await call(client, "POST", session_url(owner["walletCode"]), {"amount": 5})
    assert anonymous.status_code == 401


async def test_unknown_wallet_or_session_is_404(client):
    merchant = await register(client)
    response = await call(
        client, "POST", session_url("wllt-nope"), {"amount": 5}, merchant["headers"]
    )
    assert response.status_code == 404
    assert (await body(response))["error"]["code"] == "wallet_not_found"
    response = await call(
        client, "GET", "/api/v1/txn/payment-session/cs_nope", headers=merchant["headers"]
    )
    assert response.status_code == 404
    assert (await body(response))["error"]["code"] == "session_not_found"


async def test_platform_fee_wallet_cannot_take_sessions(client, settings):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        session_url(settings.platform_fee_wallet),
        {"amount": 5},
        merchant["headers"],
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "raw_amount",
    [
        b"0",
        b"-5",
        b"12.345",
        b"1e-3",
        b'"12.50"',
        b'"abc"',
        b"NaN",
        b"Infinity",
        b"-Infinity",
        b"1e30",
        b"99999999999999999999",
        b"true",
        b"null",
        b"[12]",
        b'{"$gt": 0}',
    ],
)
async def test_bad_amounts_are_400(client, app, raw_amount):
    merchant = await register(client)
    raw = b'{"amount": ' + raw_amount + b"}"
    response = await call(
        client, "POST", session_url(merchant["walletCode"]), raw=raw, headers=merchant["headers"]
    )
    assert response.status_code == 400, raw
    assert (await body(response))["error"]["code"] in (
        "invalid_amount",
        "invalid_json",
        "invalid_request",
    )
    count = await app.app.extensions["checkout"].db.payment_sessions.count_documents(
        {"account_id": {"$exists": True}, "payee_wallet": merchant["walletCode"]}
    )
    assert count == 0  # nothing half-written


async def test_an_amount_with_more_than_28_significant_digits_is_refused_not_rounded(client, app):
    merchant = await register(client)
    raw = b'{"amount": 999999999.99999999999999999999}'  # the raw JSON number, as a client sends it
    response = await call(
        client, "POST", session_url(merchant["walletCode"]), raw=raw, headers=merchant["headers"]
    )
    assert response.status_code == 400, await response.get_data()
    error = (await body(response))["error"]
    assert error["code"] == "invalid_amount" and "decimal places" in error["message"]
    assert (
        await app.app.extensions["checkout"].db.payment_sessions.count_documents(
            {"payee_wallet": merchant["walletCode"]}
        )
        == 0
    )


@pytest.mark.parametrize(
    "raw_amount, amount",
    [
        (b"12.50", Decimal("12.50")),
        (b"0.01", Decimal("0.01")),
        (b"1e2", Decimal("100.00")),
        (b"12.500000000000000000000000000000", Decimal("12.50")),  # exact: trailing zeros only
    ],
)
async def test_plain_and_long_but_exact_amounts_are_accepted(client, raw_amount, amount):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        session_url(merchant["walletCode"]),
        raw=b'{"amount": ' + raw_amount + b"}",
        headers=merchant["headers"],
    )
    assert response.status_code == 201, await response.get_data()
    assert (await body(response))["amount"] == amount


@pytest.mark.parametrize(
    "extra",
    [
        {"successUrl": "javascript:alert(1)"},
        {"cancelUrl": "/relative"},
        {"description": "x" * 501},
        {"metadata": {"$where": "1"}},
        {"clientReferenceId": {"a": 1}},
    ],
)
async def test_bad_optional_fields_are_400(client, extra):
    merchant = await register(client)
    response = await call(
        client,
        "POST",
        session_url(merchant["walletCode"]),
        {"amount": 5, **extra},
        merchant["headers"],
    )
    assert response.status_code == 400


async def test_integer_amount_and_small_amount_fee(client):
    merchant = await register(client)
    data = await create_session(client, merchant, amount=10)
    assert data["amount"] == Decimal("10.00") and data["serviceFee"] == Decimal("0.02")
    tiny = await create_session(client, merchant, amount=Decimal("0.01"))
    assert tiny["serviceFee"] == Decimal("0.00") and tiny["totalAmount"] == Decimal("0.01")
