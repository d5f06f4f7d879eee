"""A self-hosted payment gateway with hosted checkout."""
import asyncio
import logging
from pathlib import Path

from quart import Quart

from .security import Passwords, dummy_hash
from .services import Context, utcnow
from .settings import Settings
from .storage.wallets import ensure_platform_wallet
from .stores import ensure_indexes, open_stores

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: Settings | None = None) -> Quart:
    """The one place that wires configuration, stores, blueprints and error handling."""
    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

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
    )

    from .web.json import MoneyJSONProvider

    app.json = MoneyJSONProvider(app)
    passwords = Passwords(settings.argon2_time_cost, settings.argon2_memory_cost)

    @app.before_serving
    async def open_connections():
        stores = await open_stores(settings)
        await ensure_indexes(stores.db)
        await ensure_platform_wallet(
            stores.db, settings.platform_fee_wallet, settings.currency, utcnow()
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

    from .web import health
    from .web.api import org, txn, wallets
    from .web.errors import register_error_handlers
    from .web.headers import register_security_headers
    from .web.pages import checkout

    for blueprint in (health.blueprint, org.blueprint, wallets.blueprint, txn.blueprint,
                      checkout.blueprint):
        app.register_blueprint(blueprint)
    register_error_handlers(app)
    register_security_headers(app, settings)
    return app
