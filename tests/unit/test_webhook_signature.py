import time

import pytest

from checkout.webhook_signature import InvalidSignature, compute_signature, sign, verify_signature

SECRET = "whsec_test-secret-value"
BODY = b'{"id":"evt_1","type":"payment_session.completed","created":1,"data":{"amount":12.50}}'


def test_a_fresh_signature_verifies():
    header = sign(BODY, SECRET)
    assert verify_signature(BODY, header, SECRET) is True
    assert verify_signature(BODY.decode(), header, SECRET) is True


def test_the_header_is_t_and_hex_hmac_of_timestamp_dot_body():
    header = sign(BODY, SECRET, timestamp=1_700_000_000)
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_tampered_body_fails():
    header = sign(BODY, SECRET)
    with pytest.raises(InvalidSignature, match="no signature matches"):
        verify_signature(BODY.replace(b"12.50", b"1250.00"), header, SECRET)


def test_an_old_timestamp_fails_even_with_a_valid_signature():
    old = int(time.time()) - 301
    header = sign(BODY, SECRET, timestamp=old)
    with pytest.raises(InvalidSignature, match="tolerance"):
        verify_signature(BODY, header, SECRET)
    # Within a wider tolerance the same header is accepted: only its age was wrong.
    assert verify_signature(BODY, header, SECRET, tolerance=600)


def test_a_timestamp_from_the_future_fails():
    header = sign(BODY, SECRET, timestamp=int(time.time()) + 3600)
    with pytest.raises(InvalidSignature):
        verify_signature(BODY, header, SECRET)


def test_a_changed_timestamp_breaks_the_signature():
    now = int(time.time())
    signature = compute_signature(BODY, SECRET, now - 1000)
    with pytest.raises(InvalidSignature, match="no signature matches"):
        verify_signature(BODY, f"t={now},v1={signature}", SECRET)


def test_another_secret_fails():
    with pytest.raises(InvalidSignature):
        verify_signature(BODY, sign(BODY, "whsec_other"), SECRET)


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "t=abc,v1=00", "v1=00", "t=1700000000", "t=1700000000,v1="]
)
def test_malformed_headers_fail(header):
    with pytest.raises(InvalidSignature):
        verify_signature(BODY, header, SECRET)


def test_any_of_several_v1_signatures_may_match_for_secret_rotation():
    now = int(time.time())
    old, new = compute_signature(BODY, "whsec_old", now), compute_signature(BODY, SECRET, now)
    header = f"t={now},v1={old},v1={new}"
    assert verify_signature(BODY, header, SECRET)


def test_signing_with_several_secrets_sends_one_v1_each_newest_first():
    header = sign(BODY, [SECRET, "whsec_old"], timestamp=1_700_000_000)
    assert header == (
        f"t=1700000000,v1={compute_signature(BODY, SECRET, 1_700_000_000)}"
        f",v1={compute_signature(BODY, 'whsec_old', 1_700_000_000)}"
    )
    now = 1_700_000_000
    assert verify_signature(BODY, header, SECRET, now=now)
    assert verify_signature(BODY, header, "whsec_old", now=now)
    with pytest.raises(InvalidSignature):
        verify_signature(BODY, header, "whsec_other", now=now)
