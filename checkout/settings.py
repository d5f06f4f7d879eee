"""Typed settings, read and checked by pydantic-settings.

One field per setting: its environment variable is the field's alias, its default and its
checks sit on the field. Settings.from_env() reads the process environment over `.env`;
Settings.from_env(mapping) reads only that mapping (tests). Settings(...) takes only its
arguments. Settings are immutable: settings.replace(name=value) is a checked variant.
"""

import logging
import os
import secrets
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    SettingsConfigDict,
)

from .money import CURRENCY_EXPONENTS

log = logging.getLogger(__name__)

SECRET_NAMES = ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER")
# Read from the folder the process starts in; the environment wins over it.
ENV_FILE = ".env"
# Written by scripts/run on its first start (relative to the project folder it runs in).
LOCAL_SETTINGS_FILE = Path("var") / "local-secrets.env"
# The store addresses scripts/run used (it may start SecantusDB on MONGO_PORT), for the
# operator commands; rewritten on every start.
LOCAL_STORES_FILE = Path("var") / "local-stores.env"
# Seconds between webhook attempts after each failure: 1 m, 5 m, 30 m, 2 h, 5 h, 10 h,
# then every 12 h; the last of 12 attempts comes about 3 days after the first.
DEFAULT_WEBHOOK_RETRY_SCHEDULE = (60, 300, 1800, 7200, 18000, 36000) + (43200,) * 5
# Seconds between mail attempts after each failure: 30 s, 1 m, 5 m, 15 m, 30 m, 1 h, then
# every 2 h; an SMTP server down for a day loses nothing.
DEFAULT_MAIL_RETRY_SCHEDULE = (30, 60, 300, 900, 1800, 3600) + (7200,) * 12


class SettingsError(Exception):
    """Configuration that must stop the process at start-up."""


def _env_bool(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes"):
            return True
        if text in ("false", "0", "no"):
            return False
        raise ValueError("must be true or false (1/0 and yes/no work too)")
    return value


# Exactly true/false, 1/0, yes/no in any case (pydantic alone would also take on/off, t/f).
EnvBool = Annotated[bool, BeforeValidator(_env_bool)]


def _throwaway_secret(name: str):
    """A secret's default: none in production (the check below refuses to start without
    it), a random one for local and test runs, which lasts as long as the process."""

    def default(data: dict[str, Any]) -> str:
        if data["environment"] == "production":
            return ""
        log.warning("%s is not set: using a throwaway value for this local run", name)
        return secrets.token_urlsafe(32)

    return default


def _check_secret(value: str) -> str:
    if not value:
        raise ValueError(
            "is not set. Set it in the environment (see .env.example); "
            "it is required when CHECKOUT_ENV=production."
        )
    if len(value) < 32:
        raise ValueError("must be at least 32 characters long")
    return value


Secret = Annotated[str, AfterValidator(_check_secret)]

_SCHEDULE_HELP = "is comma-separated seconds between retries, e.g. 60,300"


def _comma_separated_seconds(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return tuple(int(part) for part in value.split(","))
        except ValueError:
            raise ValueError(_SCHEDULE_HELP) from None
    return value


def _check_schedule(value: tuple[int, ...]) -> tuple[int, ...]:
    if not value or len(value) > 50 or any(not 1 <= s <= 7 * 86400 for s in value):
        raise ValueError(_SCHEDULE_HELP + " (1 to 50 of them, each 1 s to 7 days)")
    return value


# NoDecode: pydantic-settings would otherwise read a tuple from the environment as JSON.
RetrySchedule = Annotated[
    tuple[int, ...],
    NoDecode,
    BeforeValidator(_comma_separated_seconds),
    AfterValidator(_check_schedule),
]


_SENTINELS_HELP = "is comma-separated host:port addresses, e.g. 10.0.0.1:26379,10.0.0.2:26379"


def _host_port_list(value: Any) -> Any:
    if isinstance(value, str):
        addresses = []
        for part in value.split(","):
            host, _, port = part.strip().rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(_SENTINELS_HELP)
            addresses.append((host, int(port)))
        return tuple(addresses)
    return value


SentinelAddresses = Annotated[
    tuple[tuple[str, int], ...], NoDecode, BeforeValidator(_host_port_list)
]


class Settings(BaseSettings):
    """A new setting is one field: its variable as validation_alias, its default, its
    checks (ge=, le=, a validator) and a comment; plus a row in README "Configuration".
    Order matters where a default or a check reads an earlier field: CHECKOUT_ENV first,
    REDIS_HOST/REDIS_PORT before REDIS_URL, CURRENCY before WITHDRAWAL_FEE and OTP_THRESHOLD."""

    model_config = SettingsConfigDict(
        frozen=True,
        extra="forbid",
        case_sensitive=True,
        env_file=ENV_FILE,
        # Settings(mongo_uri=...) by field name, from_env by variable name.
        validate_by_name=True,
        validate_by_alias=True,
    )

    # production refuses to start without the secrets; local and test make throwaway ones.
    # First: the defaults of the secrets and of the welcome credit depend on it.
    environment: Literal["production", "local", "test"] = Field(
        "production", validation_alias="CHECKOUT_ENV"
    )
    mongo_uri: str = Field("mongodb://127.0.0.1:27017/", validation_alias="MONGO_URI")
    mongo_db: str = Field("checkout", validation_alias="MONGO_DB")
    # REDIS_URL wins; without it the URL is built from REDIS_HOST and REDIS_PORT.
    redis_host: str = Field("127.0.0.1", validation_alias="REDIS_HOST")
    redis_port: int = Field(6379, validation_alias="REDIS_PORT")
    redis_url: str = Field(
        default_factory=lambda data: f"redis://{data['redis_host']}:{data['redis_port']}/0",
        validation_alias="REDIS_URL",
    )
    # True: REDIS_URL names one node (a seed) of a Redis Cluster; the client finds the rest.
    redis_cluster: EnvBool = Field(False, validation_alias="REDIS_CLUSTER")
    # Sentinel: "host:port,host:port" plus the master's name; the client asks the sentinels
    # for the current master and follows failovers. REDIS_URL then only gives the database
    # number and password. Empty: no Sentinel.
    redis_sentinels: SentinelAddresses = Field((), validation_alias="REDIS_SENTINELS")
    redis_sentinel_master: str = Field("", validation_alias="REDIS_SENTINEL_MASTER")
    # Login tokens; cookies and CSRF; PIN hashing. 32+ characters each.
    jwt_secret: Secret = Field(
        default_factory=_throwaway_secret("JWT_SECRET"), validation_alias="JWT_SECRET", repr=False
    )
    secret_key: Secret = Field(
        default_factory=_throwaway_secret("SECRET_KEY"), validation_alias="SECRET_KEY", repr=False
    )
    pin_pepper: Secret = Field(
        default_factory=_throwaway_secret("PIN_PEPPER"), validation_alias="PIN_PEPPER", repr=False
    )
    # Builds checkout URLs; https:// makes cookies Secure.
    public_base_url: str = Field("http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL")
    # Who runs this server, as the checkout page names it ("Payment processed by ...").
    platform_name: str = Field(
        "Checkout", validation_alias="PLATFORM_NAME", min_length=1, max_length=60
    )
    # Seconds a payment session stays open: 30 s to 7 days.
    session_ttl: int = Field(600, validation_alias="SESSION_TTL", ge=30, le=7 * 86400)
    # Percent fee paid by the shopper.
    service_fee_percent: Decimal = Field(
        Decimal("0.2"), validation_alias="SERVICE_FEE", ge=0, lt=100
    )
    # The welcome credit is a demo feature: real money enters through top-ups, so
    # production starts without it.
    welcome_credit: Decimal = Field(
        default_factory=lambda data: Decimal(0 if data["environment"] == "production" else 1000),
        validation_alias="WELCOME_CREDIT",
        ge=0,
    )
    # The deployment currency (one of money.CURRENCY_EXPONENTS); declared before the fees
    # whose decimals it decides.
    currency: str = Field("USD", validation_alias="CURRENCY")
    # Seconds a login token lives.
    jwt_ttl: int = Field(3600, validation_alias="JWT_TTL")
    # Not configurable: the code of the first platform fee wallet, and of the wallet the
    # operator sweeps the fee wallets into.
    platform_fee_wallet: str = "wllt-platform-fees"
    platform_operating_wallet: str = "wllt-platform-operating"
    # Fees are spread over this many platform wallets: with one, every payment's
    # transaction writes the same document and concurrent payments collide and retry.
    fee_wallet_shards: int = Field(16, validation_alias="FEE_WALLET_SHARDS", ge=1, le=100)
    # Sign-ups per client address per hour (each comes with WELCOME_CREDIT); 0: no limit.
    registrations_per_hour: int = Field(20, validation_alias="REGISTRATIONS_PER_HOUR", ge=0)
    # API logins per client address per 15 minutes (per email it is always 10).
    api_login_limit_per_ip: int = Field(100, validation_alias="LOGIN_LIMIT_PER_IP", ge=0)
    # Wrong wallet PINs per client address per 15 minutes, over all wallets (each wallet
    # also locks after 5 on its own); 0: no limit.
    pin_failures_per_ip: int = Field(20, validation_alias="PIN_FAILURES_PER_IP", ge=0)
    # Payment sessions opened from payment links per client address per minute; 0: no limit.
    link_sessions_per_minute: int = Field(30, validation_alias="LINK_SESSIONS_PER_MINUTE", ge=0)
    # Webhooks: see README "Webhooks". True lets targets be private/loopback addresses.
    webhook_allow_private_targets: EnvBool = Field(
        False, validation_alias="WEBHOOK_ALLOW_PRIVATE_TARGETS"
    )
    # Seconds a webhook request may take in total.
    webhook_timeout: float = Field(
        10.0, validation_alias="WEBHOOK_TIMEOUT", ge=0.5, le=60, allow_inf_nan=False
    )
    # Seconds between attempts after each failure, e.g. WEBHOOK_RETRY_SCHEDULE=60,300.
    webhook_retry_schedule: RetrySchedule = Field(
        DEFAULT_WEBHOOK_RETRY_SCHEDULE, validation_alias="WEBHOOK_RETRY_SCHEDULE"
    )
    # Seconds between the worker's sweeps.
    webhook_poll_interval: float = Field(
        2.0, validation_alias="WEBHOOK_POLL_INTERVAL", ge=0.05, le=60, allow_inf_nan=False
    )
    # How often an idle worker looks for payments' pending credits to settle (seconds).
    settle_interval: float = Field(
        1.0, validation_alias="SETTLE_INTERVAL", ge=0.01, le=60, allow_inf_nan=False
    )
    # Reverse proxies in front of the app whose X-Forwarded-For may be trusted (0: none;
    # the client address is then the TCP peer). Sign-in rate limits key on it.
    trusted_proxy_hops: int = Field(0, validation_alias="TRUSTED_PROXY_HOPS")
    # Refunds return the shopper's service fee too (from the platform fee wallet) when True.
    refund_service_fee: EnvBool = Field(False, validation_alias="REFUND_SERVICE_FEE")
    # Flat fee per withdrawal, in major units of the deployment currency.
    withdrawal_fee: Decimal = Field(Decimal("2"), validation_alias="WITHDRAWAL_FEE", ge=0)
    # The welcome credit is issued money: spendable in the loop, but by default it can
    # never be withdrawn, or every sign-up would mint cash.
    welcome_credit_withdrawable: EnvBool = Field(
        False, validation_alias="WELCOME_CREDIT_WITHDRAWABLE"
    )
    # Bearer token a Prometheus scraper sends to GET /metrics. Unset: /metrics answers 404,
    # so the figures are never public by default.
    metrics_token: str = Field("", validation_alias="METRICS_TOKEN")
    # A payment whose total (amount plus fee) is at least this, in major units of the
    # deployment currency, needs a one-time code mailed to the payer after the PIN
    # (services/otp.py); 0 turns the step off.
    otp_threshold: Decimal = Field(Decimal("500"), validation_alias="OTP_THRESHOLD", ge=0)
    # Mail (README "Mail"): the SMTP server the worker sends through. Unset: mail waits in
    # the outbox (scripts/run starts a local catcher and sets it in local mode).
    smtp_host: str = Field("", validation_alias="SMTP_HOST")
    smtp_port: int = Field(587, validation_alias="SMTP_PORT", ge=1, le=65535)
    smtp_username: str = Field("", validation_alias="SMTP_USERNAME")
    smtp_password: str = Field("", validation_alias="SMTP_PASSWORD", repr=False)
    # true: the connection must be upgraded with STARTTLS (port 465 always speaks TLS).
    smtp_starttls: EnvBool = Field(True, validation_alias="SMTP_STARTTLS")
    # Seconds one SMTP conversation may take.
    smtp_timeout: float = Field(
        30.0, validation_alias="SMTP_TIMEOUT", ge=1, le=300, allow_inf_nan=False
    )
    # The sender address; the From header shows PLATFORM_NAME as its display name.
    mail_from: str = Field("noreply@localhost", validation_alias="MAIL_FROM", min_length=3)
    # Seconds between mail attempts after each failure, e.g. MAIL_RETRY_SCHEDULE=30,60.
    mail_retry_schedule: RetrySchedule = Field(
        DEFAULT_MAIL_RETRY_SCHEDULE, validation_alias="MAIL_RETRY_SCHEDULE"
    )
    # Until an account's email is verified it cannot withdraw or create API keys. false
    # is for closed deployments that create the accounts themselves (mail is still sent).
    email_verification_required: EnvBool = Field(
        True, validation_alias="EMAIL_VERIFICATION_REQUIRED"
    )
    # Top-ups above this amount (major units) wait until a second admin approves them;
    # 0: every top-up needs a second admin.
    topup_approval_threshold: Decimal = Field(
        Decimal("1000"), validation_alias="TOPUP_APPROVAL_THRESHOLD", ge=0
    )
    # Not configurable: password hashing cost. CHECKOUT_ENV=test (the test suite's servers
    # and workers, never a deployment: it makes throwaway secrets) hashes cheaply, since a
    # sign-up and a login at production cost take about half a second of CPU; production and
    # local keep the full cost.
    argon2_time_cost: int = Field(
        default_factory=lambda data: 1 if data["environment"] == "test" else 3
    )
    argon2_memory_cost: int = Field(
        default_factory=lambda data: 1024 if data["environment"] == "test" else 65536
    )

    @field_validator("environment", mode="before")
    @classmethod
    def _lower_case_environment(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @field_validator("redis_sentinel_master")
    @classmethod
    def _one_redis_topology(cls, value: str, info: ValidationInfo) -> str:
        sentinels = info.data.get("redis_sentinels")
        if sentinels and not value:
            raise ValueError("must name the master the sentinels watch when REDIS_SENTINELS is set")
        if value and not sentinels:
            raise ValueError("needs REDIS_SENTINELS (the sentinels' addresses)")
        if sentinels and info.data.get("redis_cluster"):
            raise ValueError("and REDIS_CLUSTER cannot both be set: a Cluster has no sentinels")
        return value

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        value = value.upper()
        if value not in CURRENCY_EXPONENTS:
            raise ValueError(f"{value!r} is not supported; use one of {sorted(CURRENCY_EXPONENTS)}")
        return value

    @field_validator("platform_name", mode="before")
    @classmethod
    def _trim_platform_name(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    @field_validator("metrics_token")
    @classmethod
    def _long_enough_token(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters long (or unset: no /metrics)")
        return value

    @field_validator("mail_from")
    @classmethod
    def _one_address(cls, value: str) -> str:
        value = value.strip()
        local, at, domain = value.rpartition("@")
        if not (local and at and domain) or any(c in value for c in " <>,\r\n"):
            raise ValueError("must be one plain address, e.g. noreply@example.com")
        return value

    @field_validator("public_base_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("withdrawal_fee", "otp_threshold", "topup_approval_threshold")
    @classmethod
    def _fits_the_currency(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        if currency is None:  # CURRENCY itself is wrong and reported
            return value
        decimals = CURRENCY_EXPONENTS[currency]
        if value != value.quantize(Decimal(1).scaleb(-decimals)):
            raise ValueError(f"must have at most {decimals} decimals for {currency}")
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # Settings(...) takes only its arguments; from_env() says where values come from.
        return (init_settings,)

    @property
    def is_local(self) -> bool:
        return self.environment in ("local", "test")

    @property
    def fee_wallets(self) -> list[str]:
        """The platform fee wallets; the first keeps the plain code."""
        base = self.platform_fee_wallet
        return [base] + [f"{base}-{i:02d}" for i in range(1, self.fee_wallet_shards)]

    @property
    def secure_cookies(self) -> bool:
        return self.public_base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """The settings in `environ`, and only there; by default the process environment
        over `.env` (pydantic-settings' readers). An empty value counts as unset."""
        if environ is None:
            environ = {**DotEnvSettingsSource(cls)(), **EnvSettingsSource(cls)()}
        names = set(VARIABLES.values())
        return cls._checked({k: v for k, v in environ.items() if k in names and v != ""})

    def replace(self, **changes: Any) -> "Settings":
        """A copy with some settings changed (by field name), checked like the original."""
        return self._checked({**self.model_dump(), **changes})

    @classmethod
    def _checked(cls, values: dict[str, Any]) -> "Settings":
        try:
            return cls(**values)
        except ValidationError as exc:
            raise SettingsError(_describe(exc)) from exc


# Field name -> its environment variable (platform_fee_wallet and argon2_* have none).
VARIABLES = {
    name: field.validation_alias
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, str)
}


def _describe(exc: ValidationError) -> str:
    """Each problem, named by its environment variable; values are left out (secrets)."""
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        if error["type"] == "default_factory_not_called":
            continue  # a default that depends on a setting already reported as wrong
        where = str(error["loc"][0]) if error["loc"] else "settings"
        name = VARIABLES.get(where, where)  # a field name when given by name (replace)
        if error["type"] == "value_error":  # ours: a phrase that follows the name
            problems.append(f"{name} {error['ctx']['error']}")
        else:
            problems.append(f"{name}: {error['msg']}")
    return "; ".join(problems)


def load_local_settings(environ=None, path: Path = LOCAL_SETTINGS_FILE) -> Path | None:
    """For operator commands run from the project folder: the settings scripts/run
    generated (its secrets), so `python -m checkout reconcile` agrees with the server it
    started. Values already in the environment (or .env) win. Never read when CHECKOUT_ENV
    is production: there the secrets must come from the environment, or nothing starts.
    Returns the file read, or None."""
    if environ is None:
        from dotenv import load_dotenv  # comes with pydantic-settings

        load_dotenv(ENV_FILE, override=False)  # so its values count as set below
        environ = os.environ
    if environ.get("CHECKOUT_ENV", "").lower() == "production" or not path.is_file():
        return None
    for line in path.read_text().splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name and not name.startswith("#") and not environ.get(name):
            environ[name] = value.strip()
    if not environ.get("CHECKOUT_ENV"):
        environ["CHECKOUT_ENV"] = "local"  # what scripts/run runs the server as
    return path
