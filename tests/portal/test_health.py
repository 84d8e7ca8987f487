"""/health for the reverse proxy and monitoring: the database answers, the scheduler beats.

(The database down is tests/faults/test_database_restart.py; the real scheduler process
beating is tests/portal/test_gunicorn_scheduler.py.)
"""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from portal.scheduler import beat
from portal.scheduler.models import Heartbeat
from tests.factories import make_user
from tests.items_support import sign_in


def test_no_scheduler_yet(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "database": "ok",
        "scheduler": "stale",
        "scheduler_last_beat": None,
    }
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("minutes_ago", "scheduler"), [(0, "ok"), (9, "ok"), (11, "stale"), (60 * 24, "stale")]
)
def test_scheduler_heartbeat_age(app, client, minutes_ago, scheduler):
    at = clock.now() - timedelta(minutes=minutes_ago)
    with clock.travel_to(at):
        beat()
    response = client.get("/health")
    assert response.status_code == 200  # a late scheduler does not take the web workers out
    assert response.json["scheduler"] == scheduler
    assert response.json["database"] == "ok"
    assert (
        response.json["scheduler_last_beat"]
        == db.session.get(Heartbeat, "scheduler").beat_at.isoformat()
    )


def test_signed_in_or_not_the_same_answer(client):
    user = make_user("inspector")
    sign_in(client, user)
    assert client.get("/health").json["status"] == "ok"
