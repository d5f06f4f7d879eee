"""The load generator: an asyncio HTTP client (aiohttp) in its own process, so its CPU is
not the server's. Closed loop: each of --concurrency clients sends its next request as soon
as the previous one answered. Requests that start during the warm-up are not counted.

python bench/load.py SCENARIO --base URL --state state.json [--duration 10] [--concurrency 16]
SCENARIO: baseline | create | view | pay | pay_hot | funnel. Prints one JSON object.
pay_hot is pay on a pool of sessions that all belong to ONE merchant wallet (--state's
"hot_sessions", made by `create --merchant 0 --created-out ...`).
state.json: {"merchants": [{"walletCode", "token"}], "payers": [{"walletCode", "pin"}],
             "sessions": [{"id", "totalAmount"}]}  (sessions: the pool that view and pay use)
"""

import argparse
import asyncio
import json
import os
import resource
import sys
import time
from decimal import Decimal

import aiohttp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stats import summarise

JSON = {"Content-Type": "application/json"}
CREATE_BODY = b'{"amount": 2.50, "description": "Bench order"}'


class PoolEmpty(Exception):
    pass


class Run:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.pool = list(
            state.get("hot_sessions" if args.scenario == "pay_hot" else "sessions", [])
        )
        self.next_session = args.skip_sessions
        self.samples: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.error_examples: list[str] = []
        self.created: list[dict] = []
        self.pool_exhausted = False
        self.all_requests = 0  # warm-up included: divides the servers' CPU time

    def take_session(self) -> dict:
        if self.next_session >= len(self.pool):
            self.pool_exhausted = True
            raise PoolEmpty()
        session = self.pool[self.next_session]
        self.next_session += 1
        return session

    def record(self, step: str, began: float, duration: float, ok: bool, detail: str = "") -> None:
        self.all_requests += 1
        if began < self.measure_from:
            return
        if ok:
            self.samples.setdefault(step, []).append(duration)
        else:
            self.errors[step] = self.errors.get(step, 0) + 1
            if len(self.error_examples) < 5:
                self.error_examples.append(f"{step}: {detail[:300]}")

    async def request(self, http, step, method, url, expect, **kwargs):
        """One timed request; returns the body text, or None when it failed."""
        began = time.perf_counter()
        try:
            async with http.request(method, url, **kwargs) as response:
                text = await response.text()
                ok = response.status == expect
                detail = f"{response.status} {text}"
        except (TimeoutError, aiohttp.ClientError) as exc:
            ok, text, detail = False, None, f"{type(exc).__name__}: {exc}"
        self.record(step, began, time.perf_counter() - began, ok, detail)
        return text if ok else None

    # --- scenarios: one iteration each; i is the client's number, n its iteration count ---

    async def baseline(self, http, i, n):
        await self.request(http, "baseline", "GET", f"{self.args.base}/ping", 200)

    def merchant(self, i, n):
        merchants = self.state["merchants"]
        if self.args.merchant is not None:
            return merchants[self.args.merchant]
        return merchants[(i + n) % len(merchants)]

    def payer(self, i, n):
        # Client i only ever uses payers i, i+C, i+2C...: no two clients share a wallet, and
        # the spend is spread so no wallet runs dry during a run.
        payers, c = self.state["payers"], self.args.concurrency
        own = [p for k, p in enumerate(payers) if k % c == i % c] or payers
        return own[n % len(own)]

    async def create(self, http, i, n, step="create"):
        merchant = self.merchant(i, n)
        text = await self.request(
            http,
            step,
            "POST",
            f"{self.args.base}/api/v1/txn/payment-session/{merchant['walletCode']}",
            self.args.expect,
            data=CREATE_BODY,
            headers={**JSON, "Authorization": f"Bearer {merchant['token']}"},
        )
        if text is None:
            return None
        created = json.loads(text, parse_float=Decimal)
        session = {"id": created["transactionTraceId"], "totalAmount": str(created["totalAmount"])}
        if step == "create":
            self.created.append(session)
        return session

    async def view(self, http, i, n, session=None, step="view"):
        if session is None:
            pool = self.pool
            session = pool[(i * 7919 + n) % len(pool)]
        return await self.request(
            http, step, "GET", f"{self.args.base}/checkout/{session['id']}", 200
        )

    async def pay(self, http, i, n, session=None, step="pay"):
        if session is None:
            session = self.take_session()
        payer = self.payer(i, n)
        body = (
            f'{{"fromWalletCode": "{payer["walletCode"]}", '
            f'"totalAmount": {session["totalAmount"]}, "pin": "{payer["pin"]}"}}'
        )
        return await self.request(
            http,
            step,
            "POST",
            f"{self.args.base}/api/v1/txn/accept-payment/{session['id']}",
            200,
            data=body.encode(),
            headers=JSON,
        )

    async def pay_hot(self, http, i, n):
        # Same request as pay; the pool (hot_sessions) all pays one merchant wallet.
        await self.pay(http, i, n, step="pay_hot")

    async def funnel(self, http, i, n):
        began = time.perf_counter()
        session = await self.create(http, i, n, step="funnel.create")
        ok = session is not None
        ok = ok and await self.view(http, i, n, session, step="funnel.view") is not None
        ok = ok and await self.pay(http, i, n, session, step="funnel.pay") is not None
        self.record("funnel", began, time.perf_counter() - began, ok, "a step failed")

    async def go(self) -> dict:
        args = self.args
        scenario = getattr(self, args.scenario)
        connector = aiohttp.TCPConnector(limit=args.concurrency * 2, force_close=False)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            start = time.perf_counter()
            self.measure_from = start + args.warmup
            stop_at = self.measure_from + args.duration

            async def client(i):
                n = 0
                while time.perf_counter() < stop_at:
                    try:
                        await scenario(http, i, n)
                    except PoolEmpty:
                        return
                    n += 1

            cpu_before = resource.getrusage(resource.RUSAGE_SELF)
            await asyncio.gather(*(client(i) for i in range(args.concurrency)))
            cpu_after = resource.getrusage(resource.RUSAGE_SELF)
        main_step = "funnel" if args.scenario == "funnel" else args.scenario
        result = summarise(
            self.samples.get(main_step, []), self.errors.get(main_step, 0), args.duration
        )
        result["steps"] = {
            step: summarise(durations, self.errors.get(step, 0), args.duration)
            for step, durations in sorted(self.samples.items())
            if step != main_step
        }
        result["errors_by_step"] = self.errors
        result["error_examples"] = self.error_examples
        result["pool_exhausted"] = self.pool_exhausted
        result["sessions_used"] = self.next_session
        result["all_requests"] = self.all_requests - (
            len(self.samples.get("funnel", [])) + self.errors.get("funnel", 0)
            if args.scenario == "funnel"
            else 0
        )
        result["client_cpu_seconds"] = round(
            (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime),
            2,
        )
        if args.created_out:
            with open(args.created_out, "w") as f:
                json.dump(self.created, f)
        return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "scenario", choices=["baseline", "create", "view", "pay", "pay_hot", "funnel"]
    )
    parser.add_argument("--base", required=True)
    parser.add_argument("--state")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--created-out", help="write the sessions the create scenario made here")
    parser.add_argument("--merchant", type=int, help="create: only for this merchant (index)")
    parser.add_argument(
        "--expect",
        type=int,
        default=201,
        help="create: the status a created session answers (the original Node app says 200)",
    )
    parser.add_argument(
        "--skip-sessions",
        type=int,
        default=0,
        help="pay, pay_hot: start this far into the pool (earlier runs used those)",
    )
    args = parser.parse_args()
    state = {}
    if args.state:
        with open(args.state) as f:
            state = json.load(f)
    print(json.dumps(asyncio.run(Run(args, state).go())))


if __name__ == "__main__":
    main()
