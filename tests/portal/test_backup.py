"""A restore brings back every item, file and timeline entry (SQLite and PostgreSQL)."""

import io

from PIL import Image
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from campaigns.items import evidence as storage
from campaigns.items.models import Evidence, Item, TimelineEntry
from portal.extensions import db
from tests.factories import make_campaign, make_item


def _photo() -> FileStorage:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(data, "JPEG")
    data.seek(0)
    return FileStorage(stream=data, filename="photo.jpg")


def _snapshot():
    return (
        sorted(db.session.execute(select(Item.ref, Item.title)).all()),
        db.session.scalar(select(func.count()).select_from(TimelineEntry)),
        sorted(
            (e.stored_name, storage.path_of(e.stored_name).read_bytes())
            for e in db.session.scalars(select(Evidence))
        ),
    )


def test_backup_and_restore_round_trip(app, tmp_path):
    campaign = make_campaign()
    items = [make_item(campaign, state=s) for s in ("assigned", "verified", "withdrawn")]
    storage.store(items[0], _photo(), stage="before", by=None)
    db.session.commit()
    before = _snapshot()
    assert len(before[0]) == 3 and len(before[2]) == 1
    renamed = before[0][2][0]

    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert "3 items" in result.output

    # Changes after the backup: an item renamed, a file gone, a new item.
    db.session.scalar(select(Item).where(Item.ref == renamed)).title = "changed"
    stored = db.session.scalar(select(Evidence))
    storage.path_of(stored.stored_name).unlink()
    make_item(campaign)
    db.session.commit()

    result = runner.invoke(args=["restore", str(tmp_path / "bk")], input="y\n")
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _snapshot() == before


def test_restore_refuses_damaged_backup(app, tmp_path):
    make_item(make_campaign())
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0
    dump = next(p for p in (tmp_path / "bk").iterdir() if p.name.startswith("database"))
    dump.write_bytes(dump.read_bytes()[:-10])
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "bk")])
    assert result.exit_code != 0
    assert "damaged" in result.output


def test_backup_refuses_non_empty_directory(app, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "full")])
    assert result.exit_code != 0 and "not empty" in result.output
