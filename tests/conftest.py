"""A fresh app and database per test, on SQLite (default) or PostgreSQL (TEST_DATABASE_URL)."""

import contextlib
import contextvars
import os
import tempfile

import pytest
from sqlalchemy import text

# Keep the secret key file and uploads of test runs out of the project's instance folder.
os.environ.setdefault("PORTAL_INSTANCE", tempfile.mkdtemp(prefix="portal-test-instance-"))

from flask.globals import _cv_app  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from portal import create_app  # noqa: E402
from portal.extensions import db  # noqa: E402

POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
# Under pytest-xdist (`-n`), each worker gets a PostgreSQL database of its own (test_gw0, ...),
# made at the worker's start; SQLite tests already use a temporary file each.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_report_header(config):
    return (
        f"database: {'PostgreSQL ' + POSTGRES_URL if POSTGRES_URL else 'SQLite (temporary file)'}"
    )


def base_config(tmp_path, database_url: str | None = None) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url
        or POSTGRES_URL
        or f"sqlite:///{tmp_path / 'test.db'}",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "UPLOAD_FOLDER": str(tmp_path / "uploads"),
        "BABEL_DEFAULT_LOCALE": "en",
        "SCHEDULER_MODE": "off",
        "MAIL_SERVER": "",
    }


def side_database(suffix: str) -> str:
    """A PostgreSQL database of its own next to the test database (e.g. test_e2e), made empty."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL)
    name = f"{url.database}_{suffix}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def pytest_configure(config):
    # In the worker itself only: a child process that imports this module must not remake it.
    global POSTGRES_URL
    if POSTGRES_URL and WORKER:
        POSTGRES_URL = side_database(WORKER)
        os.environ["TEST_DATABASE_URL"] = POSTGRES_URL


_postgres_schema_ready = False


def _prepare_postgres(app):
    global _postgres_schema_ready
    if _postgres_schema_ready:
        return
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.create_all()
    _postgres_schema_ready = True


def _empty_postgres():
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own db session and `g`), as in production.

    The test's own session is committed before the request (so it holds no lock and the
    request sees the test's data) and expired after it (so the test then sees the request's
    changes).
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.get(None)
        if outer is not None:
            db.session.commit()
        context = contextvars.copy_context()

        def run():
            _cv_app.set(None)
            return FlaskClient.open(self, *args, **kwargs)

        try:
            response = context.run(run)
        finally:
            if outer is not None:
                db.session.expire_all()
        if response.is_streamed:
            # A streamed body is produced in the request's own context: read it there now,
            # and hand it on still as an iterator (response.is_streamed stays true).
            body = context.run(list, response.response)
            context.run(response.close)
            response.response = iter(body)
        return response


@contextlib.contextmanager
def fresh_app(tmp_path, **config):
    """An app on an empty test database, its context pushed; the database emptied after."""
    app = create_app(base_config(tmp_path) | config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        if POSTGRES_URL:
            _prepare_postgres(app)
        else:
            db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            if POSTGRES_URL:
                _empty_postgres()
            db.engine.dispose()


@pytest.fixture
def app(tmp_path):
    with fresh_app(tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login(client):
    """login(user) signs the test client in as `user` (factories' password)."""
    from tests.factories import PASSWORD

    def _login(user, password=PASSWORD, follow=False):
        client.post("/logout")
        response = client.post(
            "/login",
            data={"username": user.username, "password": password},
            follow_redirects=follow,
        )
        return response

    return _login
