"""Proves the hot-path queries use an index: runs `explain` on each and fails on COLLSCAN.

python bench/explain.py  (reads MONGO_URI / MONGO_DB like the app; run by bench/run)
Exit 0 when every query plan uses an index, 1 otherwise, 2 when the server has no explain.

SecantusDB's planner reports COLLSCAN for an equality on a unique key (_id, code) combined
with other predicates (the paying flip and the conditional debit), although its executor
answers them in constant time (bench/README.md). For those the script explains the same
query again with a hint of the unique index, and passes when that plan is an IXSCAN that
examines at most one document: the plan mongod's planner picks itself, since that index is
the only one that applies.
"""

import os
import sys
from datetime import UTC, datetime

from bson import ObjectId
from pymongo import MongoClient
from pymongo.errors import OperationFailure

# (what, collection, filter, sort, unique index): every query a request path runs, as the
# storage layer does it. Not here: the worker's settler, which reads the oldest of all
# journal entries with pending credits (a short list the settler itself keeps short).
NOW = datetime.now(UTC)
HOT_PATH_QUERIES = [
    ("auth: account by id (every Bearer request)", "accounts", {"_id": ObjectId()}, None),
    ("login: account by email", "accounts", {"email": "x@example.com"}, None),
    ("create/pay: wallet by code", "wallets", {"code": "wllt-x"}, None),
    (
        "pay: conditional debit",
        "wallets",
        {"code": "wllt-x", "balance": {"$gte": 251}},
        None,
        "code_1",
    ),
    ("wallet list by account", "wallets", {"account_id": ObjectId()}, {"created_at": 1}),
    ("session by id (page fallback, owner read)", "payment_sessions", {"_id": "cs_x"}, None),
    (
        "pay: open -> complete",
        "payment_sessions",
        {"_id": "cs_x", "status": "open", "expires_at": {"$gt": NOW}},
        None,
        "_id_",
    ),
    ("expiry sweep", "payment_sessions", {"status": "open", "expires_at": {"$lte": NOW}}, None),
    (
        "transactions by account, newest first",
        "transactions",
        {"account_id": ObjectId()},
        {"_id": -1},
    ),
    ("idempotency key", "idempotency_keys", {"_id": "acct:key"}, None),
    ("journal entry of a session", "journal", {"session_id": "cs_x"}, None),
    ("pay batch: its sessions", "payment_sessions", {"_id": {"$in": ["cs_x", "cs_y"]}}, None),
    ("pay batch: its payers", "wallets", {"code": {"$in": ["wllt-x", "wllt-y"]}}, None),
    (
        "balance shown / money out: a wallet's pending credits",
        "journal",
        {"pending": "wllt-x"},
        None,
    ),
]


def stages(plan: dict) -> list[str]:
    found = [plan.get("stage", "?")]
    for key in ("inputStage", "queryPlan"):
        if isinstance(plan.get(key), dict):
            found += stages(plan[key])
    for child in plan.get("inputStages", []):
        found += stages(child)
    return found


def main() -> int:
    client = MongoClient(os.environ["MONGO_URI"], serverSelectionTimeoutMS=5000)
    db = client[os.environ.get("MONGO_DB", "checkout")]
    failures = 0
    for what, collection, query, sort, *unique_index in HOT_PATH_QUERIES:
        command = {"find": collection, "filter": query}
        if sort:
            command["sort"] = sort
        try:
            plan = db.command("explain", command, verbosity="queryPlanner")
        except OperationFailure as exc:
            print(f"explain is not supported by this server ({exc}); the indexes are:")
            for name in sorted(db.list_collection_names()):
                for index in db[name].list_indexes():
                    print(
                        f"  {name}: {dict(index['key'])}{' unique' if index.get('unique') else ''}"
                    )
            return 2
        winning = plan.get("queryPlanner", {}).get("winningPlan", {})
        path = " <- ".join(stages(winning))
        ok = "COLLSCAN" not in path
        if not ok and unique_index:
            hinted = db.command(
                "explain", {**command, "hint": unique_index[0]}, verbosity="executionStats"
            )
            hinted_path = " <- ".join(stages(hinted["queryPlanner"]["winningPlan"]))
            examined = hinted.get("executionStats", {}).get("totalDocsExamined")
            ok = "IXSCAN" in hinted_path and examined is not None and examined <= 1
            path += (
                f" (planner quirk); with hint {unique_index[0]}: {hinted_path}, "
                f"{examined} doc(s) examined"
            )
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {collection:17} {what}: {path}")
    client.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
