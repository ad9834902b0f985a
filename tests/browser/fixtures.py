"""Browser fixtures: Debian's Chromium driven by Playwright against a live server thread.

Registered for the whole suite by ``pytest_plugins`` in tests/conftest.py: use the fixtures
``live_server``, ``browser_page`` and ``_chromium`` anywhere, never import them.
"""

import threading

import pytest
from werkzeug.serving import make_server

from config import TestingConfig
from tests.conftest import chromium_path, require_service

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class LiveConfig(TestingConfig):
    """The real forms: CSRF on, as in production."""

    WTF_CSRF_ENABLED = True


@pytest.fixture
def live_server(make_app):
    """Serve a CSRF-protected app on a free loopback port; yield its base URL."""
    app = make_app(LiveConfig)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _chromium():
    """One headless Chromium for the session (skips, or fails in CI, when it is missing)."""
    executable = chromium_path()
    if executable is None:
        require_service("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require_service("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_page(_chromium):
    """A fresh browser context and page; closed after the test."""
    context = _chromium.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
