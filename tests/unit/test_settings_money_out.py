from decimal import Decimal

import pytest

from checkout.settings import Settings, SettingsError

SECRETS = {"JWT_SECRET": "j" * 32, "SECRET_KEY": "k" * 32, "PIN_PEPPER": "p" * 32}


def test_refund_and_withdrawal_defaults():
    settings = Settings.from_env(SECRETS)
    assert settings.refund_service_fee is False
    assert settings.withdrawal_fee == Decimal("2")


def test_refund_and_withdrawal_settings_from_the_environment():
    settings = Settings.from_env(
        {**SECRETS, "REFUND_SERVICE_FEE": "true", "WITHDRAWAL_FEE": "0.50"}
    )
    assert settings.refund_service_fee is True and settings.withdrawal_fee == Decimal("0.50")
    assert Settings.from_env({**SECRETS, "WITHDRAWAL_FEE": "0"}).withdrawal_fee == 0


@pytest.mark.parametrize(
    "env",
    [
        {"WITHDRAWAL_FEE": "-1"},
        {"WITHDRAWAL_FEE": "0.001"},
        {"WITHDRAWAL_FEE": "abc"},
        {"WITHDRAWAL_FEE": "NaN"},
        {"WITHDRAWAL_FEE": "0.5", "CURRENCY": "JPY"},
        {"REFUND_SERVICE_FEE": "maybe"},
    ],
)
def test_bad_refund_and_withdrawal_settings_stop_start_up(env):
    with pytest.raises(SettingsError):
        Settings.from_env({**SECRETS, **env})
