"""`python -m checkout migrate`: one idempotent command makes every index and records the
schema version; the app and the worker refuse to start on a database it has not run on."""

import os
import subprocess
import sys

import httpx
import pytest
from pymongo import MongoClient

from checkout.migrations import SCHEMA_VERSION
from tests.servers import ROOT, free_port


def command(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "checkout", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def fresh_env(store_env):
    """A database no migrate has run on."""
    env = {**store_env, "MONGO_DB": store_env["MONGO_DB"] + "_fresh"}
    yield env
    with MongoClient(env["MONGO_URI"]) as mongo:
        mongo.drop_database(env["MONGO_DB"])


def indexes(env: dict) -> dict[str, list]:
    with MongoClient(env["MONGO_URI"]) as mongo:
        db = mongo[env["MONGO_DB"]]
        return {
            name: sorted(
                (tuple(index["key"].items()), bool(index.get("unique")))
                for index in db[name].list_indexes()
            )
            for name in sorted(db.list_collection_names())
            if name != "schema_meta"
        }


def schema_document(env: dict) -> dict | None:
    with MongoClient(env["MONGO_URI"]) as mongo:
        return mongo[env["MONGO_DB"]].schema_meta.find_one({"_id": "schema"})


def test_migrate_twice_makes_the_same_indexes_and_records_the_version(fresh_env):
    first = command(fresh_env, "migrate")
    assert first.returncode == 0, first.stderr
    assert f"schema version: 0 -> {SCHEMA_VERSION}" in first.stdout
    after_first, recorded = indexes(fresh_env), schema_document(fresh_env)

    second = command(fresh_env, "migrate")
    assert second.returncode == 0, second.stderr
    assert f"schema version: {SCHEMA_VERSION} (already current)" in second.stdout
    assert indexes(fresh_env) == after_first
    assert schema_document(fresh_env) == recorded
    assert recorded["version"] == SCHEMA_VERSION
    # The guards against moving money twice are among them.
    guard = ((("idempotency_key", 1),), True)
    assert guard in after_first["payment_sessions"] and guard in after_first["withdrawals"]


def test_the_worker_refuses_an_unmigrated_database_with_one_clear_line(fresh_env):
    result = command(fresh_env, "worker")
    assert result.returncode == 4
    assert "schema version 0, this code needs" in result.stderr
    assert "python -m checkout migrate" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_app_refuses_an_unmigrated_database_then_serves_after_migrate(fresh_env):
    port = free_port()
    serve = [
        sys.executable,
        "-m",
        "hypercorn",
        "--config",
        str(ROOT / "hypercorn.toml"),
        "--bind",
        f"127.0.0.1:{port}",
        "checkout:create_app()",
    ]
    refused = subprocess.run(
        serve, cwd=ROOT, env={**os.environ, **fresh_env}, capture_output=True, text=True, timeout=60
    )
    output = refused.stdout + refused.stderr
    assert "not starting: the database" in output and "python -m checkout migrate" in output
    assert "Traceback" not in output

    assert command(fresh_env, "migrate").returncode == 0
    from tests.servers import start_app

    server = start_app(fresh_env, workers=1)
    try:
        response = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5)
        assert response.status_code == 200
    finally:
        server.stop()
