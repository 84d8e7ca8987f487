"""The database restarts under traffic: requests in the gap fail cleanly with a friendly page
(503, in the reader's language; JSON under /api; /health says the database is unreachable),
and the same gunicorn workers carry on once it is back, with the same sessions.

The PostgreSQL server here is a throwaway cluster of the test's own (tests/faults/pgcluster.py),
stopped with a fast shutdown (every open connection is cut, as in a restart) and started again.
The test runs the same way in the SQLite and the PostgreSQL runs of the suite.
"""

import re
import threading
import time

from sqlalchemy import select

from campaigns.items.models import EntryKind, TimelineEntry
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.factories import PASSWORD, World
from tests.faults.conftest import portal_app
from tests.faults.processes import Browser, Gunicorn, portal_env, wait_for


class Traffic(threading.Thread):
    """A signed-in person reloading pages all the while; every answer is kept, with the time
    its request was sent (a request sent while the database was down may answer after the
    restart, and is judged by when it was sent)."""

    def __init__(self, base: str, username: str, paths: list[str]):
        super().__init__(daemon=True)
        self.browser = Browser(base)
        self.browser.sign_in(username, PASSWORD)
        self.paths = paths
        self.answers: list[int | str] = []
        self.sent: list[float] = []
        self.running = threading.Event()
        self.running.set()

    def run(self):
        while self.running.is_set():
            for path in self.paths:
                sent = time.monotonic()
                try:
                    answer = self.browser.get(path, timeout=20).status
                except OSError as error:  # a reset connection or a hang: never acceptable
                    answer = f"{type(error).__name__}: {error}"
                self.sent.append(sent)
                self.answers.append(answer)

    def sent_between(self, start: float, end: float = float("inf")) -> list[int | str]:
        return [a for a, t in zip(self.answers, self.sent, strict=True) if start <= t < end]

    def stop(self):
        self.running.clear()
        self.join(timeout=30)


def test_database_restart_mid_traffic(cluster, tmp_path):
    url = cluster.create_database("restart")
    with portal_app(tmp_path, url):
        db.create_all()
        world = World()
        _token, api_token = issue_token(world.liaison_police, "fault test")
        db.session.commit()
        ref, item_id, user = world.item.ref, world.item.id, world.liaison_police.username

    web = Gunicorn(tmp_path, portal_env(tmp_path, url), workers=2)
    traffic = None
    try:
        person = Browser(web.base)
        person.sign_in(user, PASSWORD)
        page = person.get(f"/items/{ref}")
        assert page.status == 200
        token = person.csrf_token(f"/items/{ref}")
        version = _version(page.body)

        traffic = Traffic(web.base, user, [f"/items/{ref}", "/items/", "/health"])
        traffic.start()
        _wait_answers(traffic, 5)

        cluster.stop()
        during = len(traffic.answers)
        down_at = time.monotonic()

        english = person.get(f"/items/{ref}", headers={"Accept-Language": "en"})
        assert english.status == 503
        assert english.headers["Retry-After"]
        assert "The portal is unavailable for a moment" in english.body
        assert "cannot reach its database" in english.body
        assert "Traceback" not in english.body and "psycopg" not in english.body
        chinese = person.get(f"/items/{ref}", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
        assert chinese.status == 503
        assert "平台暂时无法访问" in chinese.body and "无法连接数据库" in chinese.body

        health = person.get("/health")
        assert health.status == 503
        assert health.json() == {"status": "down", "database": "unreachable"}

        api = person.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {api_token}"})
        assert api.status == 503, api.body[:300]
        assert api.json()["error"] == "unavailable", api.body

        save = person.post(
            f"/items/{ref}/comments",
            {"csrf_token": token, "version": version, "note": "Sent while the database was down"},
        )
        assert save.status == 503
        _wait_answers(traffic, during + 5)

        cluster.start()
        up_at = time.monotonic()

        # The same workers, the same session: every page answers again, nothing restarted.
        for _ in range(10):
            again = person.get(f"/items/{ref}")
            assert again.status == 200, web.log()[-3000:]
        assert person.get("/health").json()["database"] == "ok"
        saved = person.post(
            f"/items/{ref}/comments",
            {"csrf_token": token, "version": version, "note": "Sent after the restart"},
        )
        assert saved.status == 302, saved.body[:1000]
        after = len(traffic.answers)
        back_at = time.monotonic()  # every request sent from here on finds the database
        _wait_answers(traffic, after + 9)
        assert web.process.poll() is None
    finally:
        if traffic is not None:
            traffic.stop()
        web.stop()

    answers = traffic.answers
    seen = f"answers {answers}, stopped at {during}, back at {after}"
    assert set(answers) <= {200, 503}, seen
    assert 503 in traffic.sent_between(down_at, up_at), seen
    assert set(traffic.sent_between(back_at)) == {200}, seen

    with portal_app(tmp_path, url):
        notes = db.session.scalars(
            select(TimelineEntry.note).where(
                TimelineEntry.item_id == item_id, TimelineEntry.kind == EntryKind.COMMENT
            )
        ).all()
        assert notes == ["Sent after the restart"]


def _version(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _wait_answers(traffic: Traffic, count: int) -> None:
    assert wait_for(lambda: len(traffic.answers) >= count, 60), traffic.answers
