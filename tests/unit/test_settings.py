from decimal import Decimal

import pytest

from checkout.settings import Settings, SettingsError

SECRETS = {"JWT_SECRET": "j" * 32, "SECRET_KEY": "k" * 32, "PIN_PEPPER": "p" * 32}


def test_defaults_of_the_original_api():
    settings = Settings.from_env(SECRETS)
    assert settings.session_ttl == 600
    assert settings.service_fee_percent == Decimal("0.2")
    assert settings.currency == "USD"
    assert settings.redis_url == "redis://127.0.0.1:6379/0"
    assert settings.environment == "production"


def test_the_welcome_credit_is_a_demo_feature():
    """Free money at sign-up is for trying the product: production starts without it."""
    assert Settings.from_env(SECRETS).welcome_credit == Decimal("0")
    assert Settings.from_env({"CHECKOUT_ENV": "local"}).welcome_credit == Decimal("1000")
    assert Settings.from_env({"CHECKOUT_ENV": "test"}).welcome_credit == Decimal("1000")
    assert Settings.from_env({**SECRETS, "WELCOME_CREDIT": "50"}).welcome_credit == Decimal("50")


def test_redis_url_wins_over_host_and_port():
    env = {**SECRETS, "REDIS_HOST": "cache", "REDIS_PORT": "6380"}
    assert Settings.from_env(env).redis_url == "redis://cache:6380/0"
    env["REDIS_URL"] = "redis://other:1/2"
    assert Settings.from_env(env).redis_url == "redis://other:1/2"


@pytest.mark.parametrize("missing", ["JWT_SECRET", "SECRET_KEY", "PIN_PEPPER"])
def test_production_refuses_to_start_without_a_secret(missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env(env)


def test_local_mode_makes_throwaway_secrets():
    settings = Settings.from_env({"CHECKOUT_ENV": "local"})
    assert len(settings.jwt_secret) >= 32 and settings.is_local


def test_secrets_are_not_in_repr():
    assert "j" * 32 not in repr(Settings.from_env(SECRETS))


@pytest.mark.parametrize("name, value", [
    ("SERVICE_FEE", "abc"), ("SERVICE_FEE", "-1"), ("SERVICE_FEE", "NaN"), ("SESSION_TTL", "ten"),
    ("SESSION_TTL", "5"), ("CURRENCY", "XYZ"), ("WELCOME_CREDIT", "-5"), ("JWT_SECRET", "short"),
])
def test_bad_values_are_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**SECRETS, name: value})


def test_secure_cookies_follow_the_public_url():
    assert not Settings.from_env({**SECRETS, "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}).secure_cookies
    assert Settings.from_env({**SECRETS, "PUBLIC_BASE_URL": "https://pay.example"}).secure_cookies


def test_fee_wallets_keep_the_plain_code_first():
    settings = Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "3"})
    assert settings.fee_wallets == ["wllt-platform-fees", "wllt-platform-fees-01", "wllt-platform-fees-02"]
    assert Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "1"}).fee_wallets == ["wllt-platform-fees"]
    with pytest.raises(SettingsError, match="FEE_WALLET_SHARDS"):
        Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "0"})


def test_pin_failures_per_address():
    assert Settings.from_env(SECRETS).pin_failures_per_ip == 20
    assert Settings.from_env({**SECRETS, "PIN_FAILURES_PER_IP": "0"}).pin_failures_per_ip == 0
    with pytest.raises(SettingsError, match="PIN_FAILURES_PER_IP"):
        Settings.from_env({**SECRETS, "PIN_FAILURES_PER_IP": "-1"})


def test_link_sessions_per_minute_defaults_to_30_and_zero_turns_it_off():
    assert Settings.from_env(SECRETS).link_sessions_per_minute == 30
    assert Settings.from_env({**SECRETS, "LINK_SESSIONS_PER_MINUTE": "0"}).link_sessions_per_minute == 0
    with pytest.raises(SettingsError, match="LINK_SESSIONS_PER_MINUTE"):
        Settings.from_env({**SECRETS, "LINK_SESSIONS_PER_MINUTE": "-1"})
