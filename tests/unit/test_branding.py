import pytest

from checkout import branding
from checkout.errors import InvalidRequest


def test_contrast_ratios_are_wcags():
    assert branding.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert branding.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    # Known figures: #767676 is the lightest grey with 4.5:1 on white; #777777 just fails.
    assert branding.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert branding.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast_ratio("#ffffff", "#0a58ca") == branding.contrast_ratio(
        "#0a58ca", "#ffffff"
    )


def test_a_dark_enough_colour_is_kept_lower_cased():
    assert branding.brand_color("#0A58CA") == "#0a58ca"
    assert branding.brand_color(" #5b2a86 ") == "#5b2a86"


@pytest.mark.parametrize("colour", ["#777777", "#ffcc00", "#ff6a00", "#ffffff", "#2e9f5a"])
def test_a_colour_below_aa_is_refused_naming_the_field_and_its_ratio(colour):
    with pytest.raises(InvalidRequest) as refused:
        branding.brand_color(colour)
    assert refused.value.details["field"] == "brandColor"
    assert "4.5:1" in refused.value.message
    ratio = float(refused.value.message.split("only ")[1].split(":1")[0])
    assert ratio < 4.5  # rounded down: never reads as passing


def test_the_page_background_counts_too():
    """#737373 passes on white (4.74:1) but not on the page's #f4f6fa (4.35:1)."""
    assert branding.contrast_ratio("#737373", "#ffffff") >= 4.5
    assert branding.contrast_ratio("#737373", branding.PAGE_BACKGROUND) < 4.5
    with pytest.raises(InvalidRequest):
        branding.brand_color("#737373")


@pytest.mark.parametrize("value", ["0a58ca", "#0a58c", "#0a58cag", "blue", "#abc", 123, None])
def test_only_rrggbb_is_a_colour(value):
    with pytest.raises(InvalidRequest) as refused:
        branding.brand_color(value)
    assert "#rrggbb" in refused.value.message


def test_support_url_must_be_https():
    assert branding.support_url("https://help.acme.test/pay") == "https://help.acme.test/pay"
    for bad in ("http://help.acme.test", "javascript:alert(1)", "//acme.test", "ftp://a.test"):
        with pytest.raises(InvalidRequest) as refused:
            branding.support_url(bad)
        assert refused.value.details["field"] == "supportUrl"


def test_support_email_and_display_name_are_checked():
    assert branding.support_email("Help@Acme.Test") == "help@acme.test"
    with pytest.raises(InvalidRequest):
        branding.support_email("not an email")
    assert branding.display_name("  Acme  ") == "Acme"
    with pytest.raises(InvalidRequest):
        branding.display_name("x" * 61)
    with pytest.raises(InvalidRequest):
        branding.display_name("bad\x07name")


def test_the_shopper_sees_the_display_name_when_there_is_one():
    account = {"organization": "Acme Coffee Ltd"}
    assert branding.shopper_name(account) == "Acme Coffee Ltd"
    account["branding"] = {"display_name": "Acme", "brand_color": "#0a58ca", "logo": "ab.png"}
    assert branding.shopper_name(account) == "Acme"
    assert branding.shopper_view(account) == {
        "support_email": None,
        "support_url": None,
        "color": "#0a58ca",
        "logo": "ab.png",
    }
