"""The landing page at /: what this server is, and the ways in. It speaks the visitor's
language (?lang=, else Accept-Language), like the dashboard it leads to."""

from quart import Blueprint, render_template

blueprint = Blueprint("home", __name__)

PLATFORM = "Checkout"


@blueprint.get("/")
async def home():
    return await render_template("home.html", platform=PLATFORM)
