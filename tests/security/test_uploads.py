"""Hostile uploads through every way in: the item's evidence form, submitting a rectification,
flagging an item, a look-back check's photos, the API's evidence upload and the ledger import.
Each is refused with a message that says what is wrong with which file, and nothing is stored:
no new file in the upload folder, no evidence row, no timeline entry, no item.
"""

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from campaigns.items.models import Evidence, Item, TimelineEntry
from campaigns.reviews.models import ReviewCheck
from portal import clock
from portal.extensions import db
from tests.campaigns.ledger_files import csv_bytes, row
from tests.factories import make_item
from tests.items_support import jpeg, pdf, png
from tests.security.scene import SecurityScene

LIMIT = 120_000  # the evidence limit while these tests run (MAX_EVIDENCE_BYTES)
REQUEST_LIMIT = 400_000  # MAX_CONTENT_LENGTH while these tests run


def bomb_png() -> bytes:
    """A small file that decodes to 64 million pixels (more than the 40 allowed)."""
    out = io.BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")
    return out.getvalue()


def giant_header_png() -> bytes:
    """A PNG announcing 100000 × 100000 pixels, with (almost) no pixel data behind."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def zip_of(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, data)
    return out.getvalue()


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"

# name, content, the words the refusal must say (after the file's name)
ATTACKS = {
    "oversized": ("big.jpg", jpeg() + b"\0" * LIMIT, "is larger than 0.1 MB"),
    "html named .jpg": ("photo.jpg", HTML, "is not a photo"),
    "svg with script": (
        "drawing.svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "is not a photo",
    ),
    "windows program": ("setup.jpg", b"MZ\x90\x00" + b"\0" * 200, "is not a photo"),
    "jpeg + html polyglot": ("site.jpg", jpeg(comment=HTML) + HTML, "also holds web page code"),
    "pdf + html polyglot": (
        "report.pdf",
        pdf().replace(b"%%EOF", HTML + b"\n%%EOF"),
        "also holds web page code",
    ),
    "png + zip polyglot": (
        "site.png",
        png() + zip_of("evil.class", b"\xca\xfe\xba\xbe"),
        "also holds an archive",
    ),
    "path traversal": ("../../static/evil.jpg", jpeg(), "the file name holds a folder path"),
    # (the backslashes escaped in the request, as a client must send them)
    "windows path traversal": ("..\\\\..\\\\evil.jpg", jpeg(), "the file name holds a folder path"),
    "decompression bomb": ("bomb.png", bomb_png(), "has too many pixels"),
    "giant dimensions": ("giant.png", giant_header_png(), "has too many pixels"),
}


class UploadScene(SecurityScene):
    """The security scene, with an item in rectification (for submit) and a check to record."""

    def __init__(self):
        super().__init__()
        self.rectifying = make_item(
            self.campaign, team=self.team_a, lead_agency=self.police, state="rectifying"
        )
        check = db.session.get(ReviewCheck, self.check_in)
        check.result = check.checked_at = check.checked_by_id = None
        check.note = None
        db.session.commit()


@pytest.fixture(scope="module")
def scene(scene_app):
    scene_app.config.update(MAX_EVIDENCE_BYTES=LIMIT, MAX_CONTENT_LENGTH=REQUEST_LIMIT)
    return UploadScene()


def stored(app) -> set[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def counts() -> tuple[int, ...]:
    db.session.expire_all()
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Evidence, TimelineEntry, Item)
    ) + (db.session.scalar(select(func.count(ReviewCheck.result))),)


def way_in(scene, as_who, client, way: str, name: str, data: bytes):
    """Send the file through one way in; returns the response."""
    file = (io.BytesIO(data), name)
    multipart = "multipart/form-data"
    if way == "evidence form":
        as_who(client, "liaison")
        item = scene.item_in
        form = {"version": item.version, "stage": "other", "evidence": file}
        return client.post(f"/items/{item.ref}/evidence", data=form, content_type=multipart)
    if way == "submit":
        as_who(client, "liaison")
        item = scene.rectifying
        form = {"version": item.version, "measures": "Fixed.", "evidence": file}
        return client.post(f"/items/{item.ref}/submit", data=form, content_type=multipart)
    if way == "flag":
        as_who(client, "inspector")
        form = {
            "team_id": scene.team_a.id,
            "target_id": scene.item_in.target_id,
            "new_target_kind": "enterprise",
            "district_id": scene.district.id,
            "town_id": scene.town.id,
            "category_id": scene.campaign.categories[0].id,
            "title": "Fire exits blocked",
            "severity": "general",
            "listing_level": "none",
            "lead_agency_id": scene.police.id,
            "deadline": (clock.today() + timedelta(days=15)).isoformat(),
            "submit": "Flag the item",
            "evidence": file,
        }
        return client.post("/campaigns/WS2026/items/new", data=form, content_type=multipart)
    if way == "look-back photos":
        as_who(client, "inspector")
        form = {"result": "holding", "note": "Holding.", "photos": file}
        url = f"/campaigns/WS2026/review/checks/{scene.check_in}"
        return client.post(url, data=form, content_type=multipart)
    if way == "api":
        headers = {"Authorization": f"Bearer {scene.api_tokens['liaison']}"}
        as_who(client, "anon")
        url = f"/api/v1/items/{scene.item_in.ref}/evidence"
        return client.post(url, data={"stage": "other", "file": file}, headers=headers)
    raise AssertionError(way)


WAYS = ["evidence form", "submit", "flag", "look-back photos", "api"]


@pytest.mark.parametrize("way", WAYS)
def test_hostile_files_are_refused_and_nothing_is_stored(scene_app, scene, as_who, way):
    client = scene_app.test_client()
    files, before = stored(scene_app), counts()
    wrong = []
    for attack, (name, data, words) in ATTACKS.items():
        response = way_in(scene, as_who, client, way, name, data)
        text = response.get_data(as_text=True)
        expected = 413 if (way == "api" and attack == "oversized") else 422
        if response.status_code != expected:
            wrong.append(f"{attack}: {response.status_code}")
        elif words not in text:
            wrong.append(f"{attack}: the answer does not say '{words}'")
        if stored(scene_app) != files or counts() != before:
            wrong.append(f"{attack}: something was stored")
            files, before = stored(scene_app), counts()
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("way", WAYS)
def test_a_request_over_the_server_limit_is_refused_whole(scene_app, scene, as_who, way):
    client = scene_app.test_client()
    files, before = stored(scene_app), counts()
    response = way_in(scene, as_who, client, way, "huge.jpg", b"\xff" * REQUEST_LIMIT)
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert stored(scene_app) == files and counts() == before


@pytest.mark.parametrize("way", WAYS)
def test_a_good_photo_still_goes_through(scene_app, scene, as_who, way):
    """The control: the same ways in accept an ordinary photo (so the refusals above are the
    files' doing)."""
    client = scene_app.test_client()
    response = way_in(scene, as_who, client, way, "site photo.jpg", jpeg())
    assert response.status_code in (201, 302), response.get_data(as_text=True)[:500]


# --- The ledger import ------------------------------------------------------------------------


def import_file(client, name: str, data: bytes):
    return client.post(
        "/campaigns/WS2026/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


LEDGER_ATTACKS = {
    "html named .csv": ("ledger.csv", HTML, "Problems found in ledger.csv"),
    "program named .xlsx": ("ledger.xlsx", b"MZ\x90\x00" + b"\0" * 200, "not a valid XLSX file"),
    "path traversal": ("../../ledger.csv", None, "The file name holds a folder path"),
    "zip bomb": ("ledger.xlsx", None, "unpacks to far more data than a ledger holds"),
}


def test_hostile_ledger_files_are_refused_and_nothing_is_kept(scene_app, scene, as_who):
    client = scene_app.test_client()
    as_who(client, "lead")
    good = csv_bytes([row(1, district="370303", town="", lead_agency="police", team="Team B")])
    bomb = io.BytesIO()  # a sheet that unpacks a thousand times larger than it is packed
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(20):
                member.write(b"0" * (1024 * 1024))
    files, before = stored(scene_app), counts()
    wrong = []
    for attack, (name, data, words) in LEDGER_ATTACKS.items():
        data = data or (bomb.getvalue() if attack == "zip bomb" else good)
        response = import_file(client, name, data)
        text = response.get_data(as_text=True)
        if response.status_code != 422 or words not in text:
            wrong.append(f"{attack}: {response.status_code} {words in text}")
    scene_app.config["MAX_IMPORT_BYTES"], limit = 1000, scene_app.config["MAX_IMPORT_BYTES"]
    try:
        response = import_file(client, "ledger.csv", good + b" " * 2000)
        if response.status_code != 413 or "larger than the import limit" not in response.get_data(
            as_text=True
        ):
            wrong.append(f"oversized: {response.status_code}")
    finally:
        scene_app.config["MAX_IMPORT_BYTES"] = limit
    assert not wrong, "\n".join(wrong)
    assert stored(scene_app) == files and counts() == before
    assert import_file(client, "ledger.csv", good).status_code == 200  # the control
