import pytest

from checkout import validation
from checkout.errors import InvalidRequest


def test_require_fields_names_every_missing_field():
    with pytest.raises(InvalidRequest) as info:
        validation.require_fields({"email": "a@b.co"}, ("organization", "email", "password"))
    assert info.value.details["fields"] == ["organization", "password"]
    assert "organization" in info.value.message and "password" in info.value.message


@pytest.mark.parametrize("value", [{"$ne": None}, ["a"], 5, True])
def test_text_refuses_non_strings(value):
    with pytest.raises(InvalidRequest, match="must be a string"):
        validation.text({"name": value}, "name")


def test_text_limits():
    assert validation.text({"n": "  Acme  "}, "n") == "Acme"
    with pytest.raises(InvalidRequest):
        validation.text({"n": "   "}, "n")
    with pytest.raises(InvalidRequest):
        validation.text({"n": "x" * 201}, "n")
    with pytest.raises(InvalidRequest):
        validation.text({"n": "a\x00b"}, "n")
    assert validation.text({}, "n", required=False) is None


def test_email_is_normalised():
    assert validation.email({"email": "Owner@Acme.Test"}) == "owner@acme.test"
    for bad in ("no-at", "a@b", "a b@c.de", "@c.de"):
        with pytest.raises(InvalidRequest):
            validation.email({"email": bad})


def test_urls_must_be_absolute_http():
    assert validation.url({"u": "https://shop.example/ok?x={CHECKOUT_SESSION_ID}"}, "u")
    for bad in ("javascript:alert(1)", "/relative", "ftp://x.y/", "data:text/html,hi"):
        with pytest.raises(InvalidRequest):
            validation.url({"u": bad}, "u")


def test_metadata():
    assert validation.metadata({"metadata": {"order": "1001"}}) == {"order": "1001"}
    assert validation.metadata({}) == {}
    for bad in ({"$where": "x"}, {"a.b": "x"}, {"n": 5}, "text", {str(i): "v" for i in range(21)}):
        with pytest.raises(InvalidRequest):
            validation.metadata({"metadata": bad})


@pytest.mark.parametrize(
    "bad",
    [
        "https://acme.test/ok\nx",
        "https://acme.test/a b",
        "http://[abc/x",
        "https://a.test;script-src *;x/ok",
        "https://a.test:99999/",
        "https:///path",
        "https://acme.test/\x7f",
    ],
)
def test_urls_that_would_break_a_header_are_refused(bad):
    with pytest.raises(InvalidRequest):
        validation.url({"u": bad}, "u")


def test_ipv6_and_ports_are_fine():
    assert validation.url({"u": "https://[::1]:8443/ok"}, "u")
    assert validation.url({"u": "http://127.0.0.1:8000/thanks?x=1"}, "u")


@pytest.mark.parametrize(
    "data",
    [
        {"metadata": {"a\x00b": "x"}},
        {"metadata": {"k": "\ud800"}},
        {"metadata": {"\ud800": "v"}},
    ],
)
def test_metadata_mongodb_cannot_store_is_refused(data):
    with pytest.raises(InvalidRequest):
        validation.metadata(data)


def test_lone_surrogates_are_refused():
    with pytest.raises(InvalidRequest):
        validation.text({"n": "\ud800"}, "n")
    with pytest.raises(InvalidRequest):
        validation.password({"password": "abcdefgh\ud800"})


def test_a_typed_password_is_only_checked_to_be_hashable_text():
    assert validation.password({"p": "short"}, "p", new=False) == "short"  # wrong, not bad: 401
    for value in ("x\ud800", "x" * 257, 5):
        with pytest.raises(InvalidRequest) as refused:
            validation.password({"p": value}, "p", new=False)
        assert refused.value.details == {"field": "p"}
