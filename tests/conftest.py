import secrets

import pytest
import pytest_asyncio

from checkout import create_app
from checkout.settings import Settings

from .contract_check import check_answers_against_their_models
from .servers import migrate, start_app, start_redis, start_secantus

TEST_SECRETS = {
    "JWT_SECRET": "test-jwt-secret-" + "j" * 32,
    "SECRET_KEY": "test-secret-key-" + "s" * 32,
    "PIN_PEPPER": "test-pin-pepper-" + "p" * 32,
}


@pytest.fixture(scope="session")
def mongo_server():
    server = start_secantus()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server():
    server = start_redis()
    yield server
    server.stop()


def new_store_env(mongo_server, redis_server, name: str) -> dict:
    """Environment that points the app at this test session's own stores, in a new
    database (migrated) whose name starts with `name`."""
    env = {
        "CHECKOUT_ENV": "test",
        "MONGO_URI": f"mongodb://127.0.0.1:{mongo_server.port}/",
        "MONGO_DB": f"checkout_test_{name[:30]}_{secrets.token_hex(3)}",
        "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
        # Every test signs up and logs in from 127.0.0.1; the limits have their own tests.
        "REGISTRATIONS_PER_HOUR": "0",
        "LOGIN_LIMIT_PER_IP": "1000000",
        "PIN_FAILURES_PER_IP": "1000000",
        "LINK_SESSIONS_PER_MINUTE": "1000000",
        # Withdrawal tests spend the welcome credit; its lock has tests of its own.
        "WELCOME_CREDIT_WITHDRAWABLE": "true",
        # Tests withdraw and create API keys right after signing up; the verification
        # gate has tests of its own (test_email_verification.py) that turn it on.
        "EMAIL_VERIFICATION_REQUIRED": "false",
        # Tests pay amounts above the production threshold (500) with the PIN alone; the
        # one-time-code step has tests of its own (test_payment_otp.py) that turn it on.
        "OTP_THRESHOLD": "0",
        **TEST_SECRETS,
    }
    # As a deploy does: the app refuses to start on a database that was not migrated.
    migrate(env)
    return env


def module_name(request) -> str:
    return request.module.__name__.rpartition(".")[2].removeprefix("test_")


@pytest.fixture(scope="module")
def store_env(mongo_server, redis_server, request):
    """Each test module gets its own database, so what one module leaves behind cannot
    make another's counts or reconcile pass or fail (tests/browser shares one: see there)."""
    return new_store_env(mongo_server, redis_server, module_name(request))


@pytest.fixture
def settings(store_env):
    # CHECKOUT_ENV=test already makes argon2 cheap, here as in the live servers and workers.
    return Settings.from_env(store_env).replace(public_base_url="http://checkout.test")


@pytest_asyncio.fixture
async def app(settings):
    application = create_app(settings)
    check_answers_against_their_models(application)
    async with application.test_app() as test_app:
        yield test_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def live_server(store_env):
    """Two Hypercorn workers serving the app over real HTTP against the same stores."""
    server = start_app(store_env, workers=2)
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def pytest_collection_modifyitems(config, items):
    """Browser tests last: Playwright's sync API keeps its own event loop running in this
    thread while its session fixture lives, and asyncio tests cannot start under it."""
    items.sort(key=lambda item: "/tests/browser/" in str(item.path))


@pytest.fixture
def mail_catcher():
    """A real SMTP server (aiosmtpd) on a free port; .messages holds what it received."""
    from .mail_support import MailCatcher

    catcher = MailCatcher()
    yield catcher
    catcher.stop()
