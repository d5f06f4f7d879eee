"""A self-hosted payment gateway with hosted checkout."""

import asyncio
import logging
import multiprocessing
import os
import signal
from pathlib import Path
from typing import NoReturn

from quart import Quart
from quart_auth import QuartAuth

from .logs import configure_logging
from .migrations import SchemaBehind, check_schema
from .security import Passwords, dummy_hash
from .services import Context, utcnow
from .settings import Settings
from .storage.wallets import ensure_platform_wallet
from .stores import open_stores

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
        try:
            await check_schema(stores.db)
        except SchemaBehind as exc:
            await stores.close()
            refuse_to_start(exc)
        for fee_wallet in settings.fee_wallets:
            await ensure_platform_wallet(stores.db, fee_wallet, settings.currency, utcnow())
        stop_through_the_master_on_sigterm()
        await ensure_platform_wallet(
            stores.db,
            settings.platform_operating_wallet,
            settings.currency,
            utcnow(),
            kind="platform_operating",
            name="Platform operating",
        )
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
    from .web import metrics as metrics_page
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
        metrics_page.blueprint,
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
    from .web.admin import views as admin
    from .web.api import events as event_api

    app.register_blueprint(event_api.blueprint)
    from .web.api import invoices as invoice_api
    from .web.pages import dashboard_invoices
    from .web.pages import invoices as invoice_pages

    app.register_blueprint(invoice_api.blueprint)
    app.register_blueprint(invoice_pages.blueprint)
    app.register_blueprint(dashboard_invoices.blueprint)
    app.register_blueprint(admin.blueprint)
    register_request_ids(app)
    metrics_page.register_request_metrics(app)
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


def refuse_to_start(reason: Exception) -> NoReturn:
    """One clear line in the log and a non-zero exit. In a Hypercorn worker process a
    raised exception prints two tracebacks per worker instead; elsewhere (tests, an
    embedding server) it is raised as usual."""
    logging.getLogger("checkout").critical("not starting: %s", reason)
    if multiprocessing.parent_process() is not None:
        for handler in logging.getLogger().handlers:
            handler.flush()
        os._exit(4)  # Hypercorn's master sees the exit code and stops the other workers
    raise reason


def stop_through_the_master_on_sigterm() -> None:
    """Graceful shutdown under Hypercorn's workers: the master, on SIGTERM, tells every
    worker to stop accepting and finish its requests (graceful_timeout), but once the
    first worker has exited it sends SIGTERM to the others, and a worker's default SIGTERM
    kills it with its payments in flight. So a worker hands its SIGTERM to the master
    instead: from either signal every worker drains, and the master waits for them."""
    if multiprocessing.parent_process() is None:  # not a Hypercorn worker: leave it be
        return
    master = os.getppid()

    def hand_over() -> None:
        if os.getppid() == master:  # not once the master is gone (we would be init's)
            os.kill(master, signal.SIGTERM)

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, hand_over)


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
