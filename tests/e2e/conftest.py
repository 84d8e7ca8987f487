"""Browser tests: Playwright driving Debian's Chromium against a live portal with the demo data.

The portal runs in a thread on a free port with its own database (a temporary SQLite file, or
the PostgreSQL database `<test database>_e2e` when TEST_DATABASE_URL is set), loaded once per session
with the demo (CONTRACTS C1). Each test gets a fresh browser context (no cookies).
Without Chromium the tests skip with the reason; `.ci/run` installs it.
"""

import os
import shutil
import threading

import pytest

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
DEMO_PASSWORD = "portal-demo"


def _chromium_missing() -> str | None:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        return f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (pip install -e '.[test]')"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _chromium_missing()
    if reason:
        skip = pytest.mark.skip(reason=reason)
        for item in items:
            if "e2e" in item.nodeid.split("/"):
                item.add_marker(skip)


def _e2e_database(tmp_path_factory) -> str:
    from tests.conftest import POSTGRES_URL, side_database

    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'portal.db'}"
    return side_database("e2e")


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    from portal import create_app, demo
    from tests.conftest import base_config

    tmp = tmp_path_factory.mktemp("e2e-app")
    app = create_app(
        base_config(tmp, database_url=_e2e_database(tmp_path_factory))
        | {
            "WTF_CSRF_ENABLED": True,
            "TESTING": False,
        }
    )
    with app.app_context():
        upgrade()
        demo.load()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh browser context; a screenshot is kept in test-artifacts/ when the test fails."""
    context = browser.new_context(
        base_url=live_server, locale="en-US", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        os.makedirs("test-artifacts", exist_ok=True)
        page.screenshot(path=f"test-artifacts/{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized context (touch, small screen)."""
    context = browser.new_context(
        base_url=live_server,
        locale="en-US",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


def sign_in(page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def sign_out(page) -> None:
    page.click("header form button.link")
    page.wait_for_url("**/login")
