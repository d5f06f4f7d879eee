"""Typed settings read from the environment (and an optional .env file).

Tests build Settings(...) directly; the server calls Settings.from_env().
"""
import logging
import os
import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from .money import CURRENCY_EXPONENTS

log = logging.getLogger(__name__)

SECRET_NAMES = ("JWT_SECRET", "SECRET_KEY", "PIN_PEPPER")
# Seconds between webhook attempts after each failure: 1 m, 5 m, 30 m, 2 h, 5 h, 10 h,
# then every 12 h; the last of 12 attempts comes about 3 days after the first.
DEFAULT_WEBHOOK_RETRY_SCHEDULE = (60, 300, 1800, 7200, 18000, 36000) + (43200,) * 5


class SettingsError(Exception):
    """Configuration that must stop the process at start-up."""


@dataclass(frozen=True)
class Settings:
    mongo_uri: str = "mongodb://127.0.0.1:27017/"
    mongo_db: str = "checkout"
    redis_url: str = "redis://127.0.0.1:6379/0"
    jwt_secret: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    pin_pepper: str = field(default="", repr=False)
    public_base_url: str = "http://127.0.0.1:8000"
    session_ttl: int = 600
    service_fee_percent: Decimal = Decimal("0.2")
    welcome_credit: Decimal = Decimal("0")  # from_env: 0 in production, 1000 otherwise
    currency: str = "USD"
    environment: str = "production"
    jwt_ttl: int = 3600
    platform_fee_wallet: str = "wllt-platform-fees"
    # Fees are spread over this many platform wallets: with one, every payment's
    # transaction writes the same document and concurrent payments collide and retry.
    fee_wallet_shards: int = 16
    # Sign-ups per client address per hour (each comes with WELCOME_CREDIT); 0: no limit.
    registrations_per_hour: int = 20
    # API logins per client address per 15 minutes (per email it is always 10).
    api_login_limit_per_ip: int = 100
    # Wrong wallet PINs per client address per 15 minutes, over all wallets (each wallet
    # also locks after 5 on its own); 0: no limit.
    pin_failures_per_ip: int = 20
    # Webhooks (issue 5): see README "Webhooks".
    webhook_allow_private_targets: bool = False
    webhook_timeout: float = 10.0
    webhook_retry_schedule: tuple = DEFAULT_WEBHOOK_RETRY_SCHEDULE
    webhook_poll_interval: float = 2.0
    # How often an idle worker looks for payments' pending credits to settle (seconds).
    settle_interval: float = 1.0
    # Reverse proxies in front of the app whose X-Forwarded-For may be trusted (0: none;
    # the client address is then the TCP peer). Sign-in rate limits key on it.
    trusted_proxy_hops: int = 0
    # Refunds return the shopper's service fee too (from the platform fee wallet) when True.
    refund_service_fee: bool = False
    # Flat fee per withdrawal, in major units of the deployment currency.
    withdrawal_fee: Decimal = Decimal("2")
    # The welcome credit is issued money: spendable in the loop, but by default it can
    # never be withdrawn, or every sign-up would mint cash.
    welcome_credit_withdrawable: bool = False
    # Password hashing cost; tests lower it so the suite stays fast.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536

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
    def from_env(cls, environ=None) -> "Settings":
        if environ is None:
            _load_dotenv()
            environ = os.environ
        env = {k: v for k, v in environ.items() if v != ""}
        environment = env.get("CHECKOUT_ENV", "production").lower()
        if environment not in ("production", "local", "test"):
            raise SettingsError("CHECKOUT_ENV must be production, local or test")

        secrets_found = {}
        for name in SECRET_NAMES:
            value = env.get(name)
            if value is None:
                if environment == "production":
                    raise SettingsError(
                        f"{name} is not set. Set it in the environment (see .env.example); "
                        "it is required when CHECKOUT_ENV=production."
                    )
                value = secrets.token_urlsafe(32)
                log.warning("%s is not set: using a throwaway value for this local run", name)
            elif len(value) < 32:
                raise SettingsError(f"{name} must be at least 32 characters long")
            secrets_found[name] = value

        if "REDIS_URL" in env:
            redis_url = env["REDIS_URL"]
        else:
            host = env.get("REDIS_HOST", "127.0.0.1")
            port = _int(env, "REDIS_PORT", 6379)
            redis_url = f"redis://{host}:{port}/0"

        currency = env.get("CURRENCY", "USD").upper()
        if currency not in CURRENCY_EXPONENTS:
            raise SettingsError(
                f"CURRENCY {currency!r} is not supported; use one of {sorted(CURRENCY_EXPONENTS)}"
            )
        fee = _decimal(env, "SERVICE_FEE", "0.2")
        if not Decimal(0) <= fee < Decimal(100):
            raise SettingsError("SERVICE_FEE is a percentage between 0 and 100")
        # The welcome credit is a demo feature: real money enters through top-ups.
        welcome = _decimal(env, "WELCOME_CREDIT", "0" if environment == "production" else "1000")
        if welcome < 0:
            raise SettingsError("WELCOME_CREDIT cannot be negative")
        withdrawal_fee = _decimal(env, "WITHDRAWAL_FEE", "2")
        if withdrawal_fee < 0 or withdrawal_fee != withdrawal_fee.quantize(
            Decimal(1).scaleb(-CURRENCY_EXPONENTS[currency])
        ):
            raise SettingsError(
                f"WITHDRAWAL_FEE must be zero or more, with at most "
                f"{CURRENCY_EXPONENTS[currency]} decimals for {currency}"
            )
        welcome_withdrawable = env.get("WELCOME_CREDIT_WITHDRAWABLE", "false").lower()
        if welcome_withdrawable not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError("WELCOME_CREDIT_WITHDRAWABLE must be true or false")
        refund_fee = env.get("REFUND_SERVICE_FEE", "false").lower()
        if refund_fee not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError("REFUND_SERVICE_FEE must be true or false")
        ttl = _int(env, "SESSION_TTL", 600)
        if not 30 <= ttl <= 7 * 24 * 3600:
            raise SettingsError("SESSION_TTL must be between 30 seconds and 7 days")

        return cls(
            mongo_uri=env.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
            mongo_db=env.get("MONGO_DB", "checkout"),
            redis_url=redis_url,
            jwt_secret=secrets_found["JWT_SECRET"],
            secret_key=secrets_found["SECRET_KEY"],
            pin_pepper=secrets_found["PIN_PEPPER"],
            public_base_url=env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            session_ttl=ttl,
            service_fee_percent=fee,
            welcome_credit=welcome,
            currency=currency,
            environment=environment,
            jwt_ttl=_int(env, "JWT_TTL", 3600),
            fee_wallet_shards=_fee_wallet_shards(env),
            registrations_per_hour=_non_negative(env, "REGISTRATIONS_PER_HOUR", 20),
            api_login_limit_per_ip=_non_negative(env, "LOGIN_LIMIT_PER_IP", 100),
            pin_failures_per_ip=_non_negative(env, "PIN_FAILURES_PER_IP", 20),
            **_webhook_settings(env),
            trusted_proxy_hops=_int(env, "TRUSTED_PROXY_HOPS", 0),
            settle_interval=_settle_interval(env),
            refund_service_fee=refund_fee in ("true", "1", "yes"),
            withdrawal_fee=withdrawal_fee,
            welcome_credit_withdrawable=welcome_withdrawable in ("true", "1", "yes"),
        )


def _settle_interval(env) -> float:
    interval = float(_decimal(env, "SETTLE_INTERVAL", "1"))
    if not 0.01 <= interval <= 60:
        raise SettingsError("SETTLE_INTERVAL must be between 0.01 and 60 seconds")
    return interval


def _webhook_settings(env) -> dict:
    private = env.get("WEBHOOK_ALLOW_PRIVATE_TARGETS", "0").lower()
    if private not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError("WEBHOOK_ALLOW_PRIVATE_TARGETS must be 1 or 0")
    timeout = float(_decimal(env, "WEBHOOK_TIMEOUT", "10"))
    if not 0.5 <= timeout <= 60:
        raise SettingsError("WEBHOOK_TIMEOUT must be between 0.5 and 60 seconds")
    poll = float(_decimal(env, "WEBHOOK_POLL_INTERVAL", "2"))
    if not 0.05 <= poll <= 60:
        raise SettingsError("WEBHOOK_POLL_INTERVAL must be between 0.05 and 60 seconds")
    schedule = DEFAULT_WEBHOOK_RETRY_SCHEDULE
    if "WEBHOOK_RETRY_SCHEDULE" in env:
        try:
            schedule = tuple(int(part) for part in env["WEBHOOK_RETRY_SCHEDULE"].split(","))
        except ValueError:
            schedule = ()
        if not schedule or len(schedule) > 50 or any(not 1 <= s <= 7 * 86400 for s in schedule):
            raise SettingsError(
                "WEBHOOK_RETRY_SCHEDULE is comma-separated seconds between retries, e.g. 60,300"
            )
    return {
        "webhook_allow_private_targets": private in ("true", "1", "yes"),
        "webhook_timeout": timeout,
        "webhook_retry_schedule": schedule,
        "webhook_poll_interval": poll,
    }


def _load_dotenv() -> None:
    try:
        from dotenv import load_dotenv
    except ImportError:  # python-dotenv is optional at run time
        return
    load_dotenv(override=False)


def _int(env, name, default) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        raise SettingsError(f"{name} must be a whole number") from None


def _decimal(env, name, default) -> Decimal:
    try:
        value = Decimal(env.get(name, default))
    except InvalidOperation:
        raise SettingsError(f"{name} must be a number") from None
    if not value.is_finite():
        raise SettingsError(f"{name} must be a finite number")
    return value


def _fee_wallet_shards(env) -> int:
    shards = _int(env, "FEE_WALLET_SHARDS", 16)
    if not 1 <= shards <= 100:
        raise SettingsError("FEE_WALLET_SHARDS must be between 1 and 100")
    return shards


def _non_negative(env, name, default) -> int:
    value = _int(env, name, default)
    if value < 0:
        raise SettingsError(f"{name} cannot be negative")
    return value
