"""gunicorn's web workers never run the scheduler; `flask scheduler` does.

gunicorn starts with gunicorn.conf.py and two workers on a free port against a temporary
SQLite database (PORTAL_SCHEDULER=embedded even, which only `flask start` reads): no heartbeat
appears and /health says the scheduler is stale. A `flask scheduler` process next to it makes
the heartbeat fresh within seconds.
"""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as response:  # noqa: S310
            return json.loads(response.read())
    except OSError:
        return None


def _wait_for(predicate, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    return None


def _heartbeats(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM scheduler_heartbeats").fetchone()[0]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def test_web_workers_never_start_the_scheduler(tmp_path):
    database = tmp_path / "portal.db"
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "PORTAL_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "gunicorn-test",
        "PORTAL_SCHEDULER": "embedded",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "MAIL_SERVER": "",
    }
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    web_log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=web_log,
        stderr=subprocess.STDOUT,
    )
    scheduler = None
    try:
        first = _wait_for(lambda: _health(port), 60)
        assert first is not None, (tmp_path / "gunicorn.log").read_text()
        assert first["database"] == "ok" and first["scheduler"] == "stale"
        for _ in range(8):  # requests spread over both workers; none starts a scheduler
            assert _health(port)["scheduler"] == "stale"
        time.sleep(3)
        assert _heartbeats(database) == 0
        assert _health(port)["scheduler"] == "stale"

        scheduler = subprocess.Popen(
            [*flask, "scheduler", "--every", "0.05"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        fresh = _wait_for(lambda: (_health(port) or {}).get("scheduler") == "ok", 60)
        assert fresh, "the scheduler process did not beat"
        assert _heartbeats(database) == 1
    finally:
        if scheduler is not None:
            _stop(scheduler)
        _stop(web)
        web_log.close()


def _beat_at(database: Path) -> str | None:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT max(beat_at) FROM scheduler_heartbeats").fetchone()
    return row[0]


def test_flask_start_runs_the_embedded_scheduler_on_every_start(tmp_path):
    """Development: the scheduler runs inside `flask start`, also on a second start over an
    existing database (the command must not keep SQLite's write lock while it serves)."""
    database = tmp_path / "portal.db"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "PORTAL_INSTANCE": str(tmp_path / "instance"),
        "SECRET_KEY": "start-test",
        "PORTAL_SCHEDULER": "embedded",
        "MAIL_SERVER": "",
    }
    previous = None
    for _start in range(2):
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "start", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            fresh = _wait_for(lambda port=port: (_health(port) or {}).get("scheduler") == "ok", 120)
            assert fresh, "the embedded scheduler did not beat"
            beat = _wait_for(
                lambda previous=previous: (b := _beat_at(database)) != previous and b, 30
            )
            assert beat and beat != previous
            previous = beat
        finally:
            _stop(server)
