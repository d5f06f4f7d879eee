"""Pure parts of webhook delivery: retry schedule, allowed targets, event bodies."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from checkout.errors import InvalidRequest
from checkout.services.events import event_body
from checkout.services.webhooks import (
    address_kind,
    check_event_types,
    check_url_shape,
    is_public_address,
    new_delivery_id,
    retry_delay,
    signing_secrets,
)
from checkout.services.withdrawals import new_withdrawal_id
from checkout.settings import DEFAULT_WEBHOOK_RETRY_SCHEDULE, Settings, SettingsError

SECRETS = {"JWT_SECRET": "j" * 32, "SECRET_KEY": "k" * 32, "PIN_PEPPER": "p" * 32}


def test_default_schedule_backs_off_then_retries_every_12_hours_for_about_3_days():
    schedule = DEFAULT_WEBHOOK_RETRY_SCHEDULE
    assert schedule[:6] == (60, 300, 1800, 7200, 18000, 36000)
    assert set(schedule[6:]) == {12 * 3600}
    assert 2.5 * 86400 <= sum(schedule) <= 3.5 * 86400


def test_retry_delay_follows_the_schedule_then_gives_up():
    schedule = (1, 5, 30)
    assert [retry_delay(schedule, n) for n in (1, 2, 3, 4)] == [1, 5, 30, None]


def test_schedule_setting_shrinks_it_for_tests():
    settings = Settings.from_env({**SECRETS, "WEBHOOK_RETRY_SCHEDULE": "1,2,3"})
    assert settings.webhook_retry_schedule == (1, 2, 3)
    assert Settings.from_env(SECRETS).webhook_retry_schedule == DEFAULT_WEBHOOK_RETRY_SCHEDULE
    assert Settings.from_env(SECRETS).webhook_allow_private_targets is False
    assert Settings.from_env(SECRETS).webhook_timeout == 10


@pytest.mark.parametrize(
    "name,value",
    [
        ("WEBHOOK_RETRY_SCHEDULE", "1,x"),
        ("WEBHOOK_RETRY_SCHEDULE", "0"),
        ("WEBHOOK_ALLOW_PRIVATE_TARGETS", "maybe"),
        ("WEBHOOK_TIMEOUT", "0"),
        ("WEBHOOK_TIMEOUT", "nan"),
    ],
)
def test_bad_webhook_settings_stop_start_up(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({**SECRETS, name: value})


@pytest.mark.parametrize(
    "address,kind",
    [
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("fec0::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("224.0.0.1", "multicast"),
        ("239.1.2.3", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "private"),
        ("2001:db8::1", "private"),
        ("3fff::1", "reserved"),
        ("5f00::1", "reserved"),
        ("100::1", "reserved"),
        # Tunnelled forms, whatever they embed: a relay or translator could take them inside.
        ("::ffff:127.0.0.1", "IPv4-mapped"),
        ("::ffff:8.8.8.8", "IPv4-mapped"),
        ("::ffff:0:a00:1", "IPv4-translated"),
        ("::10.0.0.1", "IPv4-compatible"),
        ("64:ff9b::7f00:1", "NAT64"),
        ("64:ff9b::808:808", "NAT64"),
        ("64:ff9b:1::a00:1", "NAT64"),
        ("2002:7f00:1::1", "6to4"),
        ("2002:a9fe:a9fe::1", "6to4"),
        ("2002:808:808::1", "6to4"),
        ("192.88.99.1", "6to4 relay"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("2001::1", "Teredo"),
    ],
)
def test_addresses_that_are_not_public_say_why(address, kind):
    assert address_kind(address) == kind
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address",
    [
        "93.184.215.14",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "2001:4860:4860::8888",  # 2001:4860:: is Google, not Teredo (2001::/32 only)
    ],
)
def test_internet_addresses_are_public(address):
    assert address_kind(address) == "public"
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/hook",
        "https://user:pass@example.com/hook",
        "http://example.com:99999/",
        "",
        42,
        None,
    ],
)
def test_only_plain_http_and_https_urls_are_accepted(url):
    with pytest.raises(InvalidRequest):
        check_url_shape(url)


def test_delivery_ids_have_their_own_prefix_not_the_withdrawals_one():
    assert new_delivery_id().startswith("whd_")
    assert new_withdrawal_id().startswith("wd_")


def test_event_types_are_checked():
    assert check_event_types(["payment_session.completed", "payment_session.completed"]) == [
        "payment_session.completed"
    ]
    assert check_event_types(["*"]) == ["*"]
    for bad in ([], "payment_session.completed", ["nope"], [{"$ne": 1}]):
        with pytest.raises(InvalidRequest):
            check_event_types(bad)


def test_event_body_writes_exact_amounts_and_iso_dates():
    created = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)
    body = event_body(
        "evt_1",
        "payment_session.completed",
        created,
        {"amount": Decimal("12.50"), "paidAt": created},
    )
    assert '"amount":12.50' in body
    parsed = json.loads(body)
    assert parsed["id"] == "evt_1" and parsed["created"] == int(created.timestamp())
    assert parsed["data"]["paidAt"] == "2026-11-26T08:00:00.000Z"


def test_the_previous_secret_signs_until_its_overlap_ends():
    now = datetime(2025, 1, 2, 12, tzinfo=UTC)
    endpoint = {
        "secret": "whsec_new",
        "previous_secret": "whsec_old",
        "previous_secret_expires_at": now + timedelta(seconds=1),
    }
    assert signing_secrets(endpoint, now) == ["whsec_new", "whsec_old"]
    assert signing_secrets(endpoint, now + timedelta(seconds=1)) == ["whsec_new"]
    assert signing_secrets({"secret": "whsec_only"}, now) == ["whsec_only"]


def test_ping_is_not_a_type_to_subscribe_to():
    with pytest.raises(InvalidRequest):
        check_event_types(["ping"])
