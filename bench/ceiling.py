"""The raw store ceiling through the same drivers (redis-py asyncio, PyMongo async) at the
same concurrency, with no HTTP and no app:

--mode store       one Redis SET plus one MongoDB insert (what creating a session must do)
--mode pay         one MongoDB transaction shaped like a payment (flip a session, insert the
                   journal entry, debit the payer, credit the payee and the one platform fee
                   wallet, insert two transaction rows and an event, read the payer back):
                   payees spread over --payees wallets, every transaction credits the same
                   fee wallet, as the gateway's does
--mode pay-spread  the same, but no document is shared between clients (the fee credit goes
                   to a per-client wallet): shows what the shared fee wallet costs

python bench/ceiling.py --mongo-uri URI --redis-url URL [--mode store] [--duration 10]
prints one JSON object (the same shape as bench/load.py's results)."""

import argparse
import asyncio
import json
import os
import resource
import secrets
import sys
import time
from datetime import UTC, datetime, timedelta

import redis.asyncio as aioredis
from pymongo import AsyncMongoClient

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats import summarise


def session_like_doc() -> dict:
    """About the size and shape of a payment session document."""
    now = datetime.now(UTC)
    return {
        "_id": "cs_" + secrets.token_hex(16),
        "account_id": None,
        "merchant_name": "Bench Merchant",
        "payee_wallet": "wllt-" + secrets.token_hex(5),
        "currency": "USD",
        "amount": 250,
        "fee": 1,
        "total": 251,
        "description": "Bench order",
        "success_url": None,
        "cancel_url": None,
        "client_reference_id": None,
        "metadata": {},
        "status": "open",
        "created_at": now,
        "expires_at": now + timedelta(seconds=600),
        "paid_at": None,
        "payer_wallet": None,
    }


async def store_op(mongo, redis, db):
    """One Redis SET plus one MongoDB insert."""
    await db.ceiling.insert_one(session_like_doc())  # connect and create the collection first
    await redis.ping()
    payload = json.dumps({k: str(v) for k, v in session_like_doc().items()})

    async def op(i, n):
        doc = session_like_doc()
        await redis.set(f"bench:ceiling:{doc['_id']}", payload, ex=600)
        await db.ceiling.insert_one(doc)

    return op


async def pay_op(mongo, db, concurrency: int, payees: int, spread: bool):
    """A transaction with the same reads and writes as paying a session."""
    await db.wallets.insert_many(
        [{"code": f"payer-{i}", "balance": 10**12} for i in range(concurrency)]
        + [{"code": f"payee-{i}", "balance": 0} for i in range(max(payees, concurrency))]
        + [{"code": f"fees-{i}", "balance": 0} for i in range(concurrency)]
    )
    await db.wallets.create_index("code", unique=True)
    attempts = [0]

    async def op(i, n):
        session_doc = session_like_doc()
        await db.payment_sessions.insert_one(session_doc)  # made before, like a created session
        payer = f"payer-{i}"
        payee = f"payee-{i}" if spread else f"payee-{(i + n) % payees}"
        fees = f"fees-{i}" if spread else "fees-0"
        now = datetime.now(UTC)

        async def move(s):
            attempts[0] += 1
            result = await db.payment_sessions.update_one(
                {"_id": session_doc["_id"], "status": "open", "expires_at": {"$gt": now}},
                {"$set": {"status": "complete", "payer_wallet": payer, "paid_at": now}},
                session=s,
            )
            assert result.modified_count == 1
            await db.journal.insert_one(
                {
                    "postings": [
                        {"account": payer, "amount": -251},
                        {"account": payee, "amount": 250},
                        {"account": fees, "amount": 1},
                    ],
                    "session_id": session_doc["_id"],
                    "created_at": now,
                },
                session=s,
            )
            debit = await db.wallets.update_one(
                {"code": payer, "balance": {"$gte": 251}}, {"$inc": {"balance": -251}}, session=s
            )
            assert debit.matched_count == 1
            await db.wallets.update_one({"code": payee}, {"$inc": {"balance": 250}}, session=s)
            await db.wallets.update_one({"code": fees}, {"$inc": {"balance": 1}}, session=s)
            await db.transactions.insert_many(
                [{"wallet_code": payer, "amount": 251}, {"wallet_code": payee, "amount": 250}],
                session=s,
            )
            await db.events.insert_one(
                {
                    "type": "payment_session.completed",
                    "subject": session_doc["_id"],
                    "created_at": now,
                },
                session=s,
            )
            await db.wallets.find_one({"code": payer}, session=s)

        async with mongo.start_session() as s:
            await s.with_transaction(move)

    return op, attempts


async def main(args) -> dict:
    mongo = AsyncMongoClient(args.mongo_uri, tz_aware=True)
    redis = aioredis.Redis.from_url(args.redis_url, decode_responses=True)
    db = mongo[f"{args.mongo_db}_{args.mode.replace('-', '_')}"]
    attempts = None
    if args.mode == "store":
        op = await store_op(mongo, redis, db)
    else:
        op, attempts = await pay_op(
            mongo, db, args.concurrency, args.payees, spread=args.mode == "pay-spread"
        )
    samples, errors, finished, examples = [], {}, [0], []
    start = time.perf_counter()
    measure_from = start + args.warmup
    stop_at = measure_from + args.duration

    async def client(i):
        n = 0
        while True:
            began = time.perf_counter()
            if began >= stop_at:
                return
            n += 1
            try:
                await op(i, n)
                finished[0] += 1
                ok = True
            except Exception as exc:  # counted, not fatal: a benchmark reports errors
                ok = False
                errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                if len(examples) < 3:
                    examples.append(f"{type(exc).__name__}: {str(exc)[:300]}")
            if began >= measure_from and ok:
                samples.append(time.perf_counter() - began)

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(client(i) for i in range(args.concurrency)))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    await redis.aclose()
    await mongo.close()
    result = summarise(samples, sum(errors.values()), args.duration)
    # Warm-up included, like bench/load.py: divides the store's CPU time per transaction.
    result["all_requests"] = finished[0] + sum(errors.values())
    result["error_kinds"] = errors
    result["error_examples"] = examples
    if attempts:
        # More than 1 means write conflicts made with_transaction run the callback again.
        result["attempts_per_transaction"] = round(attempts[0] / max(finished[0], 1), 2)
    result["client_cpu_seconds"] = round(
        (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime), 2
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--mongo-db", default="bench_ceiling")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--mode", choices=["store", "pay", "pay-spread"], default="store")
    parser.add_argument("--payees", type=int, default=4, help="payee wallets (mode pay)")
    print(json.dumps(asyncio.run(main(parser.parse_args()))))
