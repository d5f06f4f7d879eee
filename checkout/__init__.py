"""A self-hosted payment gateway with hosted checkout."""

import asyncio
from pathlib import Path

from quart import Quart
from quart_auth import QuartAuth

from .logs import configure_logging
from .security import Passwords, dummy_hash
from .services import Context, utcnow
from .settings import Settings
from .storage.wallets import ensure_platform_wallet
from .stores import ensure_indexes, open_stores

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> Quart:
    """The one place that wires configuration, stores, blueprints and error handling."""
    settings = settings or Settings.from_env()
    configure_logging()

    app = Quart(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="checkout_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        MAX_CONTENT_LENGTH=64 * 1024,
        QUART_AUTH_COOKIE_SECURE=settings.secure_cookies,
        QUART_AUTH_COOKIE_NAME="checkout_dashboard",
        QUART_AUTH_DURATION=12 * 3600,
        QUART_AUTH_SALT="checkout dashboard sign-in",
    )

    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)

    @app.before_serving
    async def open_connections():
        stores = await open_stores(settings)
        await ensure_indexes(stores.db)
        for fee_wallet in settings.fee_wallets:
            await ensure_platform_wallet(stores.db, fee_wallet, settings.currency, utcnow())
        app.extensions["checkout"] = Context(
            stores=stores,
            settings=settings,
            passwords=passwords,
            dummy_password_hash=await asyncio.to_thread(dummy_hash, passwords),
        )

    @app.after_serving
    async def close_connections():
        context = app.extensions.pop("checkout", None)
        if context is not None:
            await context.stores.close()

    from . import i18n
    from .web import health
    from .web.api import keys, org, payment_links, refunds, txn, wallets, webhooks, withdrawals
    from .web.api.contract import init_openapi
    from .web.errors import register_error_handlers
    from .web.headers import register_security_headers
    from .web.json import MoneyJSONProvider
    from .web.pages import brand, checkout, dashboard, home, links, shoppers
    from .web.uploads import CheckoutRequest

    app.request_class = CheckoutRequest  # a larger body cap on the logo upload routes only
    from .web.request_ids import register_request_ids

    for blueprint in (
        health.blueprint,
        home.blueprint,
        org.blueprint,
        wallets.blueprint,
        txn.blueprint,
        checkout.blueprint,
        refunds.blueprint,
        withdrawals.blueprint,
        payment_links.blueprint,
        links.blueprint,
        brand.blueprint,
        shoppers.blueprint,
        keys.blueprint,
        dashboard.blueprint,
        webhooks.blueprint,
    ):
        app.register_blueprint(blueprint)
    from .web.api import events as event_api

    app.register_blueprint(event_api.blueprint)
    register_request_ids(app)
    register_error_handlers(app)
    init_openapi(app)  # after the blueprints: it documents their routes
    # After quart-schema, which installs its own provider: every answer goes through the
    # app's one JSON encoding (Decimal as a number, never a float).
    app.json = MoneyJSONProvider(app)
    # Dashboard sign-in: the cookie names a server-side session (services/dashboard.py).
    QuartAuth(app)
    _context_processors_on_loop(app)
    register_security_headers(app, settings)
    i18n.init_app(app)
    return app


def _context_processors_on_loop(app: Quart) -> None:
    """Quart hands a synchronous template context processor to a worker thread on every
    rendered page. Two come with the libraries: quart-auth's (reads the signed cookie) and
    the Flask default that each Quart blueprint inherits (returns {} under Quart). Both are
    quick and never block, so run them on the loop: no thread hop per checkout page
    (bench/README.md), and no waiting behind argon2 jobs in the default executor."""
    from flask.templating import _default_template_ctx_processor as flask_default

    for processors in app.template_context_processors.values():
        for i, processor in enumerate(processors):
            if processor is flask_default or isinstance(
                getattr(processor, "__self__", None), QuartAuth
            ):
                processors[i] = _awaitable(processor)


def _awaitable(function):
    async def call():
        return function()

    return call
