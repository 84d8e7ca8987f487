"""A web worker is killed (SIGKILL) in the middle of a request that changes an item: after its
work was done and before it committed. Nothing of that request is kept (the item, its timeline
and its evidence still agree), gunicorn replaces the worker, and the same form sent again is
saved once.

The request is a rectification report with an after-photo (the item's state, its measures, a
timeline entry, an evidence row and a file): the widest write an item page makes.
"""

import os
import re
import signal
import threading

from sqlalchemy import func, select

from campaigns.items.models import EntryKind, Evidence, Item, TimelineEntry
from portal.extensions import db
from tests.factories import PASSWORD, World, make_item
from tests.faults.conftest import portal_app
from tests.faults.processes import Browser, Gunicorn, portal_env, wait_for
from tests.items_support import jpeg


def _state(item_id: int) -> dict:
    """The item as stored, its timeline and its evidence; the transaction ends after reading."""
    try:
        item = db.session.get(Item, item_id)
        entries = db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.item_id == item_id)
            .order_by(TimelineEntry.at, TimelineEntry.id)
        ).all()
        moves = [e for e in entries if e.kind == EntryKind.MOVED]
        return {
            "status": item.status,
            "version": item.version,
            "measures": item.measures,
            "entries": [(e.kind, e.to_status, e.note) for e in entries],
            "last_move_to": moves[-1].to_status if moves else "assigned",
            "evidence": db.session.scalar(
                select(func.count()).select_from(Evidence).where(Evidence.item_id == item_id)
            ),
        }
    finally:
        db.session.rollback()
        db.session.expire_all()


def test_worker_killed_mid_request_leaves_no_half_written_item(tmp_path, database_url):
    with portal_app(tmp_path, database_url):
        db.create_all()
        world = World()
        item = make_item(
            world.campaign, state="rectifying", team=world.team_a, lead_agency=world.police
        )
        db.session.commit()
        ref, item_id, user = item.ref, item.id, world.liaison_police.username
        before = _state(item_id)
        assert before["status"] == "rectifying" == before["last_move_to"]

        marker = tmp_path / "paused"
        env = portal_env(tmp_path, database_url, FAULT_MARKER=str(marker), FAULT_PATH="/submit")
        web = Gunicorn(tmp_path, env, workers=2, app="tests.faults.slow_app:app")
        try:
            person = Browser(web.base)
            person.sign_in(user, PASSWORD)
            page = person.get(f"/items/{ref}").body
            form = {
                "csrf_token": person.csrf_token(f"/items/{ref}"),
                "version": re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1),
                "measures": "Guard rails fitted on both sides.",
            }
            photo = {"evidence": ("after.jpg", jpeg(), "image/jpeg")}
            answers = []

            def send():
                try:
                    answers.append(person.post(f"/items/{ref}/submit", form, photo).status)
                except OSError as error:
                    answers.append(type(error).__name__)

            sender = threading.Thread(target=send)
            sender.start()
            assert wait_for(marker.exists, 60), web.log()[-3000:]
            # The worker did everything but COMMIT: the photo is on disk already.
            assert any((tmp_path / "uploads").rglob("*.jpg"))
            os.kill(int(marker.read_text()), signal.SIGKILL)
            sender.join(timeout=30)
            assert answers and answers[0] not in (200, 302), answers  # the person saw it fail

            assert _state(item_id) == before

            again = person.post(f"/items/{ref}/submit", form, photo)
            assert again.status == 302, again.body[:2000]
            assert web.process.poll() is None
        finally:
            web.stop()

        after = _state(item_id)
        assert after["status"] == "submitted" == after["last_move_to"]
        assert after["version"] == before["version"] + 1
        assert after["measures"] == form["measures"]
        assert after["evidence"] == 1
        added = after["entries"][len(before["entries"]) :]
        assert after["entries"][: len(before["entries"])] == before["entries"]
        assert added == [
            (EntryKind.EVIDENCE, None, ""),
            (EntryKind.MOVED, "submitted", form["measures"]),
        ]
