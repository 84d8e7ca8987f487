"""Fixtures of the fault tests: a seeded portal database, on SQLite or PostgreSQL, that real
processes (gunicorn, the scheduler, the `flask` command) then use."""

from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from portal import create_app
from portal.extensions import db
from tests.conftest import POSTGRES_URL, base_config, side_database
from tests.faults import pgcluster


@contextmanager
def portal_app(tmp_path, database_url: str, **config):
    """The portal in this process, on `database_url`, to seed data and to look at results."""
    app = create_app(base_config(tmp_path, database_url=database_url) | config)
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def _faults_postgres() -> str:
    """`<test database>_faults`, made once per run (CREATE DATABASE is slow on a busy server)."""
    return side_database("faults")


@pytest.fixture
def database_url(request, tmp_path):
    """An empty database of the run's kind: a SQLite file, or `<test database>_faults`."""
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path / 'portal.db'}"
    url = request.getfixturevalue("_faults_postgres")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL server of the module's own, to stop and start (never the shared one)."""
    reason = pgcluster.missing()
    if reason:
        pytest.skip(reason)
    server = pgcluster.Cluster().create()
    try:
        yield server
    finally:
        server.destroy()
