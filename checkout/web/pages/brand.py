"""Branding assets served from our own origin, so the checkout page's CSP (img-src 'self',
style-src 'self', no inline styles) allows them: merchant logos, and the stylesheet that sets
a brand colour. Both are named by their content, so they are cached for a year."""

from quart import Blueprint, Response, abort

from ... import branding
from ...errors import InvalidRequest
from ...services import branding as branding_service
from .. import context

blueprint = Blueprint("brand", __name__, url_prefix="/brand")

FOREVER = "public, max-age=31536000, immutable"


@blueprint.get("/logos/<name>")
async def logo(name):
    found = await branding_service.logo_file(context(), name)
    if found is None:
        abort(404)
    return Response(
        bytes(found["data"]),
        content_type=found["content_type"],
        headers={"Cache-Control": FOREVER, "ETag": f'"{name.split(".")[0]}"'},
    )


@blueprint.get("/colour/<hex_digits>.css")
async def theme(hex_digits):
    """The page's accent in the brand colour. Only colours the profile would accept (AA
    contrast) exist, so no URL can make a checkout page unreadable."""
    try:
        colour = branding.brand_color(f"#{hex_digits}")
    except InvalidRequest:
        abort(404)
    if colour != f"#{hex_digits}":
        abort(404)  # one URL per colour: lower-case only
    css = (
        f":root{{--accent:{colour}}}\n"
        ".card{border-block-start:4px solid var(--accent)}\n"
        ".pay-button:hover,.button-link:hover{background:var(--accent);filter:brightness(.85)}\n"
    )
    return Response(css, content_type="text/css; charset=utf-8", headers={"Cache-Control": FOREVER})
