"""`flask start` on an existing database leaves it free for the server's requests and jobs."""

import sqlite3

from portal.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_user


def test_start_on_existing_data_holds_no_lock(app, monkeypatch):
    make_user(username="already-here")
    db.session.commit()
    seen = {}

    def serve(*_args, **_kwargs):
        if POSTGRES_URL:
            seen["free"] = not db.session().in_transaction()
            return
        path = db.engine.url.database
        with sqlite3.connect(path, timeout=0.5) as other:  # another writer, as a request is
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
        seen["free"] = True

    monkeypatch.setattr("flask_migrate.upgrade", lambda *a, **k: None)
    monkeypatch.setattr("werkzeug.serving.run_simple", serve)
    app.config["SCHEDULER_MODE"] = "off"
    result = app.test_cli_runner().invoke(args=["start"])
    assert result.exit_code == 0, result.output
    assert seen == {"free": True}
