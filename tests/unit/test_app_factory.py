"""create_app wiring that matters for speed (bench/README.md)."""

import inspect

from checkout import create_app
from checkout.settings import Settings


def test_every_template_context_processor_runs_on_the_event_loop():
    # Quart runs a synchronous context processor in a worker thread on every rendered page;
    # the libraries bring two (quart-auth's, Flask's per-blueprint default).
    app = create_app(
        Settings(jwt_secret="j" * 40, secret_key="s" * 40, pin_pepper="p" * 40, environment="test")
    )
    processors = [p for group in app.template_context_processors.values() for p in group]
    assert len(processors) > len(app.blueprints)  # the per-blueprint defaults are there
    assert [p for p in processors if not inspect.iscoroutinefunction(p)] == []
