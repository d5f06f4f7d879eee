from decimal import Decimal

import pytest
from pydantic import ValidationError

from checkout.settings import VARIABLES, Settings, SettingsError

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


def test_only_the_test_environment_hashes_passwords_cheaply():
    """The suite's live servers and workers run as CHECKOUT_ENV=test and hash cheaply;
    production and local keep argon2's full cost."""
    for settings in (Settings.from_env(SECRETS), Settings.from_env({"CHECKOUT_ENV": "local"})):
        assert (settings.argon2_time_cost, settings.argon2_memory_cost) == (3, 65536)
    cheap = Settings.from_env({"CHECKOUT_ENV": "test"})
    assert (cheap.argon2_time_cost, cheap.argon2_memory_cost) == (1, 1024)


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


@pytest.mark.parametrize(
    "name, value",
    [
        ("SERVICE_FEE", "abc"),
        ("SERVICE_FEE", "-1"),
        ("SERVICE_FEE", "NaN"),
        ("SESSION_TTL", "ten"),
        ("SESSION_TTL", "5"),
        ("CURRENCY", "XYZ"),
        ("WELCOME_CREDIT", "-5"),
        ("JWT_SECRET", "short"),
    ],
)
def test_bad_values_are_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**SECRETS, name: value})


def test_secure_cookies_follow_the_public_url():
    assert not Settings.from_env(
        {**SECRETS, "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}
    ).secure_cookies
    assert Settings.from_env({**SECRETS, "PUBLIC_BASE_URL": "https://pay.example"}).secure_cookies


def test_fee_wallets_keep_the_plain_code_first():
    settings = Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "3"})
    assert settings.fee_wallets == [
        "wllt-platform-fees",
        "wllt-platform-fees-01",
        "wllt-platform-fees-02",
    ]
    one_shard = Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "1"})
    assert one_shard.fee_wallets == ["wllt-platform-fees"]
    with pytest.raises(SettingsError, match="FEE_WALLET_SHARDS"):
        Settings.from_env({**SECRETS, "FEE_WALLET_SHARDS": "0"})


def test_pin_failures_per_address():
    assert Settings.from_env(SECRETS).pin_failures_per_ip == 20
    assert Settings.from_env({**SECRETS, "PIN_FAILURES_PER_IP": "0"}).pin_failures_per_ip == 0
    with pytest.raises(SettingsError, match="PIN_FAILURES_PER_IP"):
        Settings.from_env({**SECRETS, "PIN_FAILURES_PER_IP": "-1"})


def test_link_sessions_per_minute_defaults_to_30_and_zero_turns_it_off():
    assert Settings.from_env(SECRETS).link_sessions_per_minute == 30
    unlimited = Settings.from_env({**SECRETS, "LINK_SESSIONS_PER_MINUTE": "0"})
    assert unlimited.link_sessions_per_minute == 0
    with pytest.raises(SettingsError, match="LINK_SESSIONS_PER_MINUTE"):
        Settings.from_env({**SECRETS, "LINK_SESSIONS_PER_MINUTE": "-1"})


@pytest.fixture
def process_env(monkeypatch, tmp_path):
    """A process environment with none of the settings, started in an empty folder."""
    for name in VARIABLES.values():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def test_a_mapping_is_read_alone(process_env, tmp_path):
    """Tests hand from_env the variables they mean: nothing leaks in from the process
    environment or a .env file in the folder."""
    process_env.setenv("SESSION_TTL", "120")
    process_env.setenv("CHECKOUT_ENV", "local")
    (tmp_path / ".env").write_text("MONGO_DB=from-dotenv\n")
    settings = Settings.from_env(SECRETS)
    assert settings.session_ttl == 600 and settings.mongo_db == "checkout"
    assert settings.environment == "production"


def test_without_a_mapping_the_environment_wins_over_dotenv(process_env, tmp_path):
    (tmp_path / ".env").write_text(
        "MONGO_DB=from-dotenv\nSESSION_TTL=90\nCHECKOUT_ENV=local\nSOMETHING_ELSE=ignored\n"
    )
    process_env.setenv("SESSION_TTL", "120")
    process_env.setenv("MONGO_URI", "")  # empty counts as unset
    settings = Settings.from_env()
    assert (settings.mongo_db, settings.session_ttl) == ("from-dotenv", 120)
    assert settings.mongo_uri == "mongodb://127.0.0.1:27017/" and settings.is_local


def test_the_retry_schedule_reads_from_the_process_environment(process_env):
    """Comma-separated, not JSON, whichever way the variables arrive."""
    process_env.setenv("CHECKOUT_ENV", "test")
    process_env.setenv("WEBHOOK_RETRY_SCHEDULE", "1,2,3")
    assert Settings.from_env().webhook_retry_schedule == (1, 2, 3)


def test_the_constructor_takes_only_its_arguments(process_env):
    process_env.setenv("SESSION_TTL", "120")
    settings = Settings(
        environment="test", jwt_secret="j" * 32, secret_key="k" * 32, pin_pepper="p" * 32
    )
    assert settings.session_ttl == 600


def test_an_unknown_environment_is_named_alone():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**SECRETS, "CHECKOUT_ENV": "staging"})
    # The defaults that depend on it (secrets, welcome credit) are not reported as well.
    assert str(refused.value) == "CHECKOUT_ENV: Input should be 'production', 'local' or 'test'"
    assert isinstance(refused.value.__cause__, ValidationError)


def test_checkout_env_ignores_case():
    assert Settings.from_env({"CHECKOUT_ENV": "Local"}).environment == "local"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("Yes", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("NO", False),
    ],
)
def test_bools_take_true_false_1_0_yes_no(value, expected):
    settings = Settings.from_env(
        {
            **SECRETS,
            "REFUND_SERVICE_FEE": value,
            "WEBHOOK_ALLOW_PRIVATE_TARGETS": value,
            "WELCOME_CREDIT_WITHDRAWABLE": value,
        }
    )
    assert settings.refund_service_fee is expected
    assert settings.webhook_allow_private_targets is expected
    assert settings.welcome_credit_withdrawable is expected


@pytest.mark.parametrize("value", ["on", "off", "maybe", "2"])
def test_a_bad_bool_is_named(value):
    with pytest.raises(SettingsError, match=r"^WELCOME_CREDIT_WITHDRAWABLE must be true or false"):
        Settings.from_env({**SECRETS, "WELCOME_CREDIT_WITHDRAWABLE": value})


def test_refusals_never_echo_a_value():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**SECRETS, "JWT_SECRET": "a-short-secret-value"})
    assert str(refused.value) == "JWT_SECRET must be at least 32 characters long"


def test_every_problem_is_named_at_once():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({**SECRETS, "SESSION_TTL": "5", "FEE_WALLET_SHARDS": "abc"})
    assert "SESSION_TTL" in str(refused.value) and "FEE_WALLET_SHARDS" in str(refused.value)


def test_settings_are_immutable():
    settings = Settings.from_env(SECRETS)
    with pytest.raises(ValidationError, match="frozen"):
        settings.session_ttl = 60  # type: ignore[misc]


def test_replace_derives_a_checked_variant():
    settings = Settings.from_env({"CHECKOUT_ENV": "local", "CURRENCY": "JPY"})
    variant = settings.replace(session_ttl=60, refund_service_fee=True)
    assert (variant.session_ttl, variant.refund_service_fee) == (60, True)
    assert settings.session_ttl == 600  # the original is untouched
    # Generated secrets and derived values are kept, not made again.
    assert (variant.jwt_secret, variant.redis_url) == (settings.jwt_secret, settings.redis_url)
    with pytest.raises(SettingsError, match="SESSION_TTL"):
        settings.replace(session_ttl=5)
    with pytest.raises(SettingsError, match="WITHDRAWAL_FEE"):
        settings.replace(withdrawal_fee=Decimal("0.5"))  # JPY has no decimals
    with pytest.raises(SettingsError, match="session_tll"):
        settings.replace(session_tll=60)  # a typo is an error, not a silent no-op


def test_the_platform_name_defaults_to_checkout_and_is_at_most_60_characters():
    assert Settings.from_env(SECRETS).platform_name == "Checkout"
    named = Settings.from_env({**SECRETS, "PLATFORM_NAME": "  Harbour Pay "})
    assert named.platform_name == "Harbour Pay"
    assert Settings.from_env({**SECRETS, "PLATFORM_NAME": "x" * 60}).platform_name == "x" * 60
    for bad in ("x" * 61, "   "):
        with pytest.raises(SettingsError, match="PLATFORM_NAME"):
            Settings.from_env({**SECRETS, "PLATFORM_NAME": bad})


def test_redis_is_standalone_unless_cluster_or_sentinels_are_set():
    plain = Settings.from_env(SECRETS)
    assert not plain.redis_cluster and plain.redis_sentinels == ()
    assert Settings.from_env({**SECRETS, "REDIS_CLUSTER": "true"}).redis_cluster
    sentinel = Settings.from_env(
        {
            **SECRETS,
            "REDIS_SENTINELS": "10.0.0.1:26379, sentinel-b:26380",
            "REDIS_SENTINEL_MASTER": "m",
        }
    )
    assert sentinel.redis_sentinels == (("10.0.0.1", 26379), ("sentinel-b", 26380))
    assert sentinel.redis_sentinel_master == "m"


def test_sentinel_settings_are_checked():
    refused = {
        "REDIS_SENTINEL_MASTER": {"REDIS_SENTINELS": "10.0.0.1:26379"},
        "REDIS_SENTINELS": {"REDIS_SENTINELS": "10.0.0.1", "REDIS_SENTINEL_MASTER": "m"},
    }
    for name, env in refused.items():
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**SECRETS, **env})
    with pytest.raises(SettingsError, match="REDIS_SENTINELS"):
        Settings.from_env({**SECRETS, "REDIS_SENTINEL_MASTER": "m"})
    with pytest.raises(SettingsError, match="REDIS_CLUSTER"):
        Settings.from_env(
            {
                **SECRETS,
                "REDIS_CLUSTER": "true",
                "REDIS_SENTINELS": "10.0.0.1:26379",
                "REDIS_SENTINEL_MASTER": "m",
            }
        )
