"""Operator commands (`python -m checkout ...`) run from a project folder after scripts/run
find the local settings it generated in ./var; production still insists on real secrets."""

import os
import subprocess
import sys

import pytest

from tests.servers import ROOT

GENERATED = "".join(
    f"{name}={name.lower()}-generated-by-scripts-run-{'x' * 40}\n"
    for name in ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER")
)


def run_in(folder, store_env, **extra) -> subprocess.CompletedProcess:
    """`python -m checkout reconcile` as an operator types it in that folder: the store
    addresses in the environment, no secrets and no CHECKOUT_ENV unless given."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER", "CHECKOUT_ENV")
    }
    env.update({k: store_env[k] for k in ("MONGO_URI", "MONGO_DB", "REDIS_URL")})
    env["PYTHONPATH"] = str(ROOT)  # the package, as the project folder's venv would have it
    env.update(extra)
    return subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path):
    """A folder laid out as scripts/run leaves it: var/local-secrets.env."""
    (tmp_path / "var").mkdir()
    (tmp_path / "var" / "local-secrets.env").write_text(GENERATED)
    return tmp_path


def test_reconcile_finds_the_settings_scripts_run_generated(project, store_env):
    result = run_in(project, store_env)
    assert result.returncode == 0, result.stderr
    assert "reconciliation OK" in result.stdout


def test_without_local_settings_it_still_refuses(tmp_path, store_env):
    result = run_in(tmp_path, store_env)
    assert result.returncode == 2
    assert "JWT_SECRET is not set" in result.stderr


def test_production_never_reads_the_local_settings(project, store_env):
    result = run_in(project, store_env, CHECKOUT_ENV="production")
    assert result.returncode == 2
    assert "JWT_SECRET is not set" in result.stderr


def test_the_environment_wins_over_the_file(project, store_env):
    (project / "var" / "local-secrets.env").write_text(
        GENERATED + "MONGO_URI=mongodb://127.0.0.1:1/\n"
    )
    result = run_in(project, store_env)  # the test store's MONGO_URI is in the environment
    assert result.returncode == 0, result.stderr


def test_reconcile_finds_the_stores_scripts_run_used(project, store_env):
    """scripts/run may have started SecantusDB on another port (MONGO_PORT): it writes the
    addresses it used to var/local-stores.env, and the command reads them."""
    (project / "var" / "local-stores.env").write_text(
        f"MONGO_URI={store_env['MONGO_URI']}\nREDIS_URL={store_env['REDIS_URL']}\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("MONGO_URI", "REDIS_URL")}
    env.update(
        PYTHONPATH=str(ROOT), MONGO_DB=store_env["MONGO_DB"], **{n: "" for n in ("CHECKOUT_ENV",)}
    )
    for name in ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-m", "checkout", "reconcile"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "reconciliation OK" in result.stdout


def test_an_unreachable_store_is_a_clear_message_not_a_traceback(project, store_env):
    closed = {"MONGO_URI": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500"}
    result = run_in(project, {**store_env, **closed})
    assert result.returncode == 3
    assert "Traceback" not in result.stderr
    assert "cannot reach MongoDB" in result.stderr
