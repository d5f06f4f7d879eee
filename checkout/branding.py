"""A merchant's branding on the shopper's pages: display name, support contact, brand colour
and logo. Pure: checks that raise InvalidRequest naming the field, WCAG contrast, and the
snapshot a payment session keeps of it.

The brand colour replaces the page's accent (static/css/checkout.css `--accent`): it is the
background of the Pay button under white text, and the colour of links on the white card and
on the page's light grey background. WCAG 2.2 AA asks 4.5:1 for normal text, so the colour
must reach that against all three, or it is refused with the ratio it reached.
"""

import re
from typing import Any
from urllib.parse import urlsplit

from . import validation
from .errors import InvalidRequest

HEX_COLOUR = re.compile(r"^#[0-9a-f]{6}$")
# The colours the brand colour meets on the page (checkout.css: --accent-ink, --card, --bg).
BUTTON_TEXT = "#ffffff"
CARD_BACKGROUND = "#ffffff"
PAGE_BACKGROUND = "#f4f6fa"
AA_TEXT_CONTRAST = 4.5
DISPLAY_NAME_MAX = 60


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB #rrggbb colour, 0 (black) to 1 (white)."""
    channels = []
    for i in (1, 3, 5):
        c = int(colour[i : i + 2], 16) / 255
        channels.append(c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1 (none) to 21 (black on white)."""
    a, b = relative_luminance(first), relative_luminance(second)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


def worst_contrast(colour: str) -> float:
    """The lowest contrast the colour has where the page uses it."""
    return min(
        contrast_ratio(colour, other) for other in (BUTTON_TEXT, CARD_BACKGROUND, PAGE_BACKGROUND)
    )


def brand_color(value: Any, name: str = "brandColor") -> str:
    """A #rrggbb colour (lower-cased) with AA contrast where the page uses it."""
    if not isinstance(value, str) or not HEX_COLOUR.match(value.strip().lower()):
        raise InvalidRequest(f"{name} must be a colour written #rrggbb, e.g. #0a58ca", field=name)
    colour = value.strip().lower()
    ratio = worst_contrast(colour)
    if ratio < AA_TEXT_CONTRAST:
        raise InvalidRequest(
            f"{name} {colour} is too light: white text on it and it on the page's light "
            f"background reach only {floor_ratio(ratio)}:1, and WCAG AA needs 4.5:1. "
            "Choose a darker colour.",
            field=name,
        )
    return colour


def floor_ratio(ratio: float) -> str:
    """Rounded down, so a refused colour never reads as 4.5:1."""
    return f"{int(ratio * 100) // 10 / 10:.1f}"


def display_name(value: Any, name: str = "displayName") -> str:
    checked = validation.text({name: value}, name, max_length=DISPLAY_NAME_MAX)
    assert checked is not None  # required=True: text() raised for None
    return checked


def support_email(value: Any, name: str = "supportEmail") -> str:
    checked = validation.email({name: value}, name)
    assert checked is not None
    return checked


def support_url(value: Any, name: str = "supportUrl") -> str:
    """An https URL only: it is shown to shoppers as a link on a payment page."""
    checked = validation.url({name: value}, name)
    if checked is None:
        raise InvalidRequest(f"Missing required field: {name}", fields=[name])
    if urlsplit(checked).scheme != "https":
        raise InvalidRequest(f"{name} must be an https:// address", field=name)
    return checked


CHECKS = {
    "display_name": display_name,
    "support_email": support_email,
    "support_url": support_url,
    "brand_color": brand_color,
}


def shopper_view(account: dict) -> dict:
    """What a payment session keeps of its merchant's branding when it is made (like its
    merchant name): the pages and the receipt show the session as it was offered."""
    branding = account.get("branding") or {}
    return {
        "support_email": branding.get("support_email"),
        "support_url": branding.get("support_url"),
        "color": branding.get("brand_color"),
        "logo": branding.get("logo"),
    }


def shopper_name(account: dict) -> str:
    """The name shoppers see: the display name if the merchant set one."""
    return (account.get("branding") or {}).get("display_name") or account["organization"]
