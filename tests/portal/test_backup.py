"""A restore brings back every item, file and timeline entry (SQLite and PostgreSQL).

Two ways: over the same portal after later changes (an item renamed, a file lost, new items
and entries), and onto a new, empty portal (another database, an empty upload folder), as after
losing the server. What is compared is every column of every item, timeline entry and evidence
row, and every file in the upload folder, byte for byte.
"""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from campaigns.items import operations
from campaigns.items.models import Evidence, Item, TimelineEntry
from portal import create_app
from portal.accounts.models import User
from portal.extensions import db
from tests.conftest import POSTGRES_URL, base_config, side_database
from tests.factories import PASSWORD, World, make_campaign, make_item
from tests.items_support import pdf


def _photo(color="red") -> FileStorage:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(data, "JPEG")
    data.seek(0)
    return FileStorage(stream=data, filename="photo.jpg")


def _snapshot(app) -> dict:
    """Every row of the items, their timelines and evidence, and every uploaded file."""
    db.session.remove()
    rows = {
        model.__tablename__: [
            tuple(row)
            for row in db.session.execute(
                select(model.__table__).order_by(model.__table__.c.id)
            ).all()
        ]
        for model in (Item, TimelineEntry, Evidence)
    }
    folder = Path(app.config["UPLOAD_FOLDER"])
    rows["files"] = sorted(
        (str(p.relative_to(folder)), p.read_bytes()) for p in folder.rglob("*") if p.is_file()
    )
    db.session.remove()
    return rows


def _scene():
    """Items in every state with timelines, photos (and thumbnails) and a PDF."""
    world = World()
    items = [
        make_item(world.campaign, state=s, team=world.team_a, lead_agency=world.police)
        for s in ("assigned", "rectifying", "submitted", "verified", "withdrawn")
    ]
    operations.add_evidence(
        items[1], by=world.liaison_police, upload=_photo(), stage="after", check_access=False
    )
    operations.add_evidence(
        items[2],
        by=world.liaison_police,
        upload=FileStorage(stream=io.BytesIO(pdf()), filename="report.pdf"),
        stage="after",
        check_access=False,
    )
    operations.comment(world.item, by=world.lead, note="Check the east gate too.")
    db.session.commit()
    return world


def test_backup_and_restore_round_trip(app, tmp_path):
    world = _scene()
    item_id, lead_id = world.item.id, world.lead.id
    before = _snapshot(app)
    assert len(before["items"]) == 6 and len(before["evidence"]) == 2
    assert len(before["files"]) == 3  # the photo, its thumbnail and the PDF

    runner = app.test_cli_runner()
    result = runner.invoke(args=["backup", str(tmp_path / "bk")])
    assert result.exit_code == 0, result.output
    assert "6 items" in result.output and "3 uploaded files" in result.output
    assert (tmp_path / "bk").stat().st_mode & 0o077 == 0  # the operators' eyes only

    # Changes after the backup: an item renamed, a file lost, new items, entries and files.
    item = db.session.get(Item, item_id)
    item.title = "changed"
    operations.comment(item, by=db.session.get(User, lead_id), note="After the backup")
    stored = db.session.scalar(select(Evidence).where(Evidence.content_type == "image/jpeg"))
    (Path(app.config["UPLOAD_FOLDER"]) / stored.stored_name[:2] / stored.stored_name).unlink()
    newer = make_item(make_campaign())
    operations.add_evidence(
        newer, by=None, upload=_photo("blue"), stage="before", check_access=False
    )
    db.session.commit()
    assert _snapshot(app) != before

    result = runner.invoke(args=["restore", str(tmp_path / "bk")], input="y\n")
    assert result.exit_code == 0, result.output
    assert _snapshot(app) == before


def test_restore_onto_a_new_empty_portal(app, tmp_path):
    username = _scene().liaison_police.username
    before = _snapshot(app)
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")]).exit_code == 0

    # Another server: its own, empty database and upload folder.
    url = side_database("restore") if POSTGRES_URL else f"sqlite:///{tmp_path / 'new.db'}"
    new = create_app(base_config(tmp_path / "new", database_url=url))
    with new.app_context():
        result = new.test_cli_runner().invoke(args=["restore", "--yes", str(tmp_path / "bk")])
        assert result.exit_code == 0, result.output
        assert Path(new.config["UPLOAD_FOLDER"]) != Path(app.config["UPLOAD_FOLDER"])
        assert _snapshot(new) == before

        # And the restored portal works: sign in, open an item with its photo.
        client = new.test_client()
        client.post("/login", data={"username": username, "password": PASSWORD})
        evidence = db.session.scalars(select(Evidence).order_by(Evidence.id)).first()
        item = db.session.get(Item, evidence.item_id)
        page = client.get(f"/items/{item.ref}")
        assert page.status_code == 200 and item.title in page.get_data(as_text=True)
        photo = client.get(f"/items/{item.ref}/evidence/{evidence.id}")
        assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
        photo.close()
        db.session.remove()
        db.engine.dispose()


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


def test_the_database_password_is_never_on_a_command_line(app, tmp_path, monkeypatch):
    """pg_dump gets the password in its environment: a command line is visible to every user
    of the machine (ps)."""
    import subprocess

    from portal import backup

    seen = {}

    def run(args, **kwargs):
        seen.update(args=args, env=kwargs.get("env") or {})
        return subprocess.CompletedProcess(args, 1, "", "stopped by the test")

    monkeypatch.setattr(backup.subprocess, "run", run)
    monkeypatch.setattr(backup, "_tool", lambda name: f"/usr/bin/{name}")
    app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://portal:s3cr%40t@db:5432/portal"
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "bk")])
    assert result.exit_code != 0 and "stopped by the test" in result.output
    assert "postgresql://portal@db:5432/portal" in seen["args"]
    assert not any("s3cr" in arg for arg in seen["args"])
    assert seen["env"]["PGPASSWORD"] == "s3cr@t"
