"""The landing page at /: what this server is, and the ways in. It speaks the visitor's
language (?lang=, else Accept-Language), like the dashboard it leads to."""

from quart import Blueprint, render_template

from ...i18n import explicit_locale

blueprint = Blueprint("home", __name__)

PLATFORM = "Checkout"


@blueprint.get("/")
async def home():
    # A language chosen here in the switcher goes along to the dashboard's sign-in and
    # sign-up (which remember it in their cookie; this page is outside its path).
    chosen = explicit_locale()
    return await render_template(
        "home.html", platform=PLATFORM, carry={"lang": chosen} if chosen else {}
    )
