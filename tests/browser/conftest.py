"""Playwright driving Debian's chromium (Playwright cannot download browsers here).

Fixtures: browser, page (1280x800), new_context (any viewport, locale, JavaScript off),
merchant_site, session_records (change a session's durable record as the sweeper or a
cancel would), store_env and live_server (shared by the browser modules, see there).
Helpers: screenshot(), axe_violations(), layout_problems().
"""

import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import redis
from playwright.sync_api import sync_playwright
from pymongo import MongoClient

from checkout.storage import sessions as session_store
from tests.conftest import module_name, new_store_env
from tests.servers import start_app

SCREENSHOTS = Path(__file__).parent / "screenshots"
# axe-core from npm (tests/browser/package.json; scripts/setup --browser runs npm ci).
AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa", "best-practice"]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
CHROMIUM = next(
    (p for p in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.path.exists(p)),
    "/usr/bin/chromium",
)
# Without these Chromium keeps trying to reach the internet, which this network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def shared_store_env(mongo_server, redis_server):
    return new_store_env(mongo_server, redis_server, "browser")


@pytest.fixture(scope="module")
def store_env(mongo_server, redis_server, shared_store_env, request):
    """The browser modules share one database and one live server: starting Hypercorn's
    workers per module was most of their set-up. Each test signs up merchants of its own
    and looks only at their pages, so another module's data changes nothing it checks. A
    module whose pages show the whole platform (the admin console) sets OWN_DATABASE = True
    and gets a database and a live server of its own."""
    if getattr(request.module, "OWN_DATABASE", False):
        return new_store_env(mongo_server, redis_server, module_name(request))
    return shared_store_env


@pytest.fixture(scope="session")
def shared_live_server(shared_store_env):
    server = start_app(shared_store_env, workers=2)
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture(scope="module")
def live_server(store_env, shared_store_env, request):
    """The shared server (started by the first module that asks), or, for a module with
    its own database or settings (a store_env override), a server of its own."""
    if store_env == shared_store_env:
        yield request.getfixturevalue("shared_live_server")
        return
    server = start_app(store_env, workers=2)
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


@pytest.fixture(autouse=True)
def fresh_sign_in_allowance(redis_server):
    """Every test of the run comes from 127.0.0.1 and the run shares one Redis, so the
    per-address limits (services/limits.py, password_reset.py: 10 dashboard sign-ins per
    15 minutes, 10 reset requests per hour, ...) refused whichever browser test came after
    the run's 10th: test_password_reset_pages failed in the full suite and passed alone.
    Each test starts as if from a machine of its own; the limits have their own tests."""
    client = redis.Redis(host="127.0.0.1", port=redis_server.port)
    try:
        for key in client.scan_iter("checkout:rate:*-ip:*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def new_context(browser):
    """new_context(viewport=..., java_script_enabled=False, locale="ar", ...) -> a page."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**{"viewport": DESKTOP, **options})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def axe_violations(page) -> list[str]:
    """Run axe-core on the page; one line per violating node, empty when it passes.

    page.evaluate runs through the DevTools protocol, which the page's CSP does not govern
    (a <script> tag with the source inline would be blocked, rightly)."""
    page.evaluate(AXE_JS.read_text() + "\n;undefined")
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_TAGS,
    )
    return [f"{v['id']}: {v['help']} at {node}" for v in violations for node in v["nodes"]]


def layout_problems(page) -> list[str]:
    """Horizontal scrolling, and visible controls smaller than 44x44 CSS pixels."""
    return page.evaluate("""() => {
      const problems = [];
      const root = document.documentElement;
      if (root.scrollWidth > root.clientWidth) {
        problems.push(`horizontal scroll: ${root.scrollWidth} > ${root.clientWidth}`);
      }
      for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
        const box = el.getBoundingClientRect();
        if (box.width === 0 && box.height === 0) continue;
        if (box.width < 44 || box.height < 44) {
          problems.push(`small target ${el.tagName} "${(el.textContent || el.id).trim()}" ${box.width}x${box.height}`);
        }
      }
      return problems;
    }""")


@pytest.fixture(scope="module")
def session_records(store_env):
    """Change a session's durable record directly (what the expiry sweeper or a cancel
    does) and drop the cached copy the page would otherwise read first."""
    mongo = MongoClient(store_env["MONGO_URI"], tz_aware=True)
    cache = redis.Redis.from_url(store_env["REDIS_URL"])

    def update(session_id: str, **fields):
        mongo[store_env["MONGO_DB"]].payment_sessions.update_one(
            {"_id": session_id}, {"$set": fields}
        )
        cache.delete(session_store.KEY.format(session_id))

    yield update
    mongo.close()
    cache.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


class _ShopHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<!doctype html><title>Thanks</title><h1>Thanks for your order</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def merchant_site():
    """A stand-in merchant web site to return shoppers to (their success URL)."""
    server = HTTPServer(("127.0.0.1", 0), _ShopHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
