"""The landing page at /: what this server is, and the ways in."""

from quart import Blueprint, g, render_template

from ...i18n import DEFAULT_LOCALE

blueprint = Blueprint("home", __name__)

PLATFORM = "Checkout"


@blueprint.get("/")
async def home():
    g.locale = DEFAULT_LOCALE  # English only, like the dashboard it leads to
    return await render_template("home.html", platform=PLATFORM)
