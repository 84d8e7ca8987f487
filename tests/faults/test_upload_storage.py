"""The upload folder cannot take a file: the disk is full, the folder is read-only, or the
configured path is not a folder. Every way in says so clearly (the page keeps what was typed;
the API answers 503), nothing of the save is kept (the item, its timeline and its evidence are
as before) and no partial file is left behind.

A read-only folder is a real one (chmod) unless the tests run as root, whom permissions do not
stop; then, like the full disk, it is made at the system-call level (os.mkdir/os.open answer
EACCES, os.write writes a little and then answers ENOSPC for files in the upload folder).
"""

import errno
import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.imports.models import LedgerImport
from campaigns.items.models import Evidence, Item, TimelineEntry
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.campaigns.ledger_files import Scene, csv_bytes, row
from tests.factories import World, make_item
from tests.items_support import jpeg, sign_in, upload

FAULTS = ["disk_full", "read_only", "not_a_folder"]


def _inside(path, folder: Path) -> bool:
    return Path(os.fsdecode(path)).resolve().is_relative_to(folder.resolve())


@pytest.fixture
def make_fault(app, monkeypatch, tmp_path):
    applied = []

    def make(kind: str) -> Path:
        folder = Path(app.config["UPLOAD_FOLDER"])
        if kind == "not_a_folder":
            folder = tmp_path / "uploads-is-a-file"
            folder.write_text("not a folder")
            app.config["UPLOAD_FOLDER"] = str(folder)
        elif kind == "read_only" and os.geteuid() != 0:
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(0o555)
            applied.append(lambda: folder.chmod(0o755))
        elif kind == "read_only":
            folder.mkdir(parents=True, exist_ok=True)
            real_mkdir, real_open = os.mkdir, os.open

            def refuse(real):
                def call(path, *args, **kwargs):
                    if _inside(path, folder):
                        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
                    return real(path, *args, **kwargs)

                return call

            monkeypatch.setattr(os, "mkdir", refuse(real_mkdir))
            monkeypatch.setattr(os, "open", refuse(real_open))
        elif kind == "disk_full":
            folder.mkdir(parents=True, exist_ok=True)
            real_write = os.write

            def write(fd, data):
                if _inside(os.readlink(f"/proc/self/fd/{fd}"), folder):
                    if len(data) > 100:
                        real_write(fd, bytes(data[:100]))  # a partial file, then no room
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                return real_write(fd, data)

            monkeypatch.setattr(os, "write", write)
        return folder

    yield make
    for undo in applied:
        undo()


def _files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _item_state(item_id: int):
    db.session.expire_all()
    item = db.session.get(Item, item_id)
    count = lambda model: db.session.scalar(  # noqa: E731
        select(func.count()).select_from(model).where(model.item_id == item_id)
    )
    return item.status, item.version, item.measures, count(TimelineEntry), count(Evidence)


@pytest.fixture
def scene(app):
    world = World()
    world.rectifying = make_item(
        world.campaign, state="rectifying", team=world.team_a, lead_agency=world.police
    )
    db.session.commit()
    return world


STORAGE_MESSAGE = "could not be stored: the portal&#39;s file storage is full"


@pytest.mark.parametrize("fault", FAULTS)
def test_evidence_on_the_item_page(app, client, scene, make_fault, fault):
    item = scene.rectifying
    before, files = _item_state(item.id), _files(app)
    make_fault(fault)
    sign_in(client, scene.liaison_police)
    response = client.post(
        f"/items/{item.ref}/evidence",
        data={
            "version": item.version,
            "stage": "other",
            "note": "Photo of the new fence",
            "evidence": upload(jpeg(), "fence.jpg"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "fence.jpg " + STORAGE_MESSAGE in page
    assert "Photo of the new fence" in page  # what they typed is kept
    assert _item_state(item.id) == before
    assert _files(app) == files


@pytest.mark.parametrize("fault", FAULTS)
def test_rectification_report_with_photo(app, client, scene, make_fault, fault):
    item = scene.rectifying
    before, files = _item_state(item.id), _files(app)
    make_fault(fault)
    sign_in(client, scene.liaison_police)
    response = client.post(
        f"/items/{item.ref}/submit",
        data={
            "version": item.version,
            "measures": "Guard rails fitted.",
            "evidence": upload(jpeg(), "after.jpg"),
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "after.jpg " + STORAGE_MESSAGE in page
    assert "Guard rails fitted." in page
    assert _item_state(item.id) == before
    assert before[0] == "rectifying"
    assert _files(app) == files


@pytest.mark.parametrize("fault", FAULTS)
def test_evidence_through_the_api(app, client, scene, make_fault, fault):
    item = scene.rectifying
    _token, plain = issue_token(scene.liaison_police, "fault test")
    db.session.commit()
    before, files = _item_state(item.id), _files(app)
    make_fault(fault)
    response = client.post(
        f"/api/v1/items/{item.ref}/evidence",
        headers={"Authorization": f"Bearer {plain}"},
        data={"stage": "after", "file": (io.BytesIO(jpeg()), "after.jpg")},
    )
    assert response.status_code == 503
    assert response.json["error"] == "unavailable"
    # the page's own words (ui.upload_message), naming the file
    assert (
        "after.jpg could not be stored: the portal's file storage is full"
        in response.json["message"]
    )
    assert _item_state(item.id) == before
    assert _files(app) == files


@pytest.mark.parametrize("fault", FAULTS)
def test_ledger_import_upload(app, client, make_fault, fault):
    ledger = Scene()
    db.session.commit()
    make_fault(fault)
    sign_in(client, ledger.lead)
    response = client.post(
        "/campaigns/WS2026/import",
        data={"file": (io.BytesIO(csv_bytes([row(1), row(2)])), "ledger.csv")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "The file could not be kept for the import" in page
    assert "Nothing was imported" in page
    assert db.session.scalar(select(func.count()).select_from(Item)) == 0
    assert db.session.scalar(select(func.count()).select_from(LedgerImport)) == 0
    assert _files(app) == []
