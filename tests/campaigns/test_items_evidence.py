"""Evidence files: checked by content, re-encoded, stored under generated names outside static/,
served only through the item's access rule with safe headers; refusals say why, store nothing."""

from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from campaigns.items.models import Evidence
from portal.extensions import db
from tests.factories import World, make_item
from tests.items_support import (
    fetch,
    jpeg,
    pdf,
    png,
    reload,
    sign_in,
    timeline_count,
    upload,
)


def bomb() -> bytes:
    """A tiny file that would decode to 64 million pixels."""
    out = BytesIO()
    Image.new("1", (8000, 8000)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def world(app):
    return World()


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def evidence_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Evidence))


def post_evidence(client, item, data: bytes, name: str, stage="before"):
    return client.post(
        f"/items/{item.ref}/evidence",
        data={"version": item.version, "stage": stage, "evidence": upload(data, name)},
        content_type="multipart/form-data",
    )


def only_evidence() -> Evidence:
    return db.session.scalars(select(Evidence)).one()


def test_photo_is_stored_under_a_generated_name_and_shown_inline(app, client, world):
    sign_in(client, world.inspector)
    response = post_evidence(client, world.item, jpeg(), "site.jpg")
    assert response.status_code == 302
    record = only_evidence()
    assert record.stage == "before" and record.original_name == "site.jpg"
    assert record.stored_name != "site.jpg" and len(record.stored_name) == len("x" * 32 + ".jpg")
    assert all(app.config["UPLOAD_FOLDER"] in str(p) for p in stored_files(app))
    assert "static" not in app.config["UPLOAD_FOLDER"]

    page = client.get(f"/items/{world.item.ref}").data.decode()
    thumb_url = f"/items/{world.item.ref}/evidence/{record.id}/thumbnail"
    assert thumb_url in page

    file = fetch(client, f"/items/{world.item.ref}/evidence/{record.id}")
    assert file.status_code == 200
    assert file.mimetype == "image/jpeg"
    assert file.headers["Content-Disposition"].startswith("inline")
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    csp = file.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "sandbox" in csp
    assert Image.open(BytesIO(file.data)).format == "JPEG"

    thumb = fetch(client, thumb_url)
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    assert max(Image.open(BytesIO(thumb.data)).size) <= 320


def test_pdf_is_a_download(client, world):
    sign_in(client, world.liaison_police)
    assert post_evidence(client, world.item, pdf(), "notice.pdf", stage="other").status_code == 302
    record = only_evidence()
    file = fetch(client, f"/items/{world.item.ref}/evidence/{record.id}")
    assert file.status_code == 200 and file.mimetype == "application/pdf"
    assert file.headers["Content-Disposition"].startswith("attachment")
    assert "notice.pdf" in file.headers["Content-Disposition"]
    assert (
        fetch(client, f"/items/{world.item.ref}/evidence/{record.id}/thumbnail").status_code == 404
    )
    page = client.get(f"/items/{world.item.ref}").data.decode()
    assert "notice.pdf" in page


def test_phone_photo_is_turned_upright(client, world):
    """A phone stores portrait photos landscape with an EXIF orientation: show them upright."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x8825] = {2: (1.0, 2.0, 3.0)}  # GPS: must not survive
    sign_in(client, world.inspector)
    assert (
        post_evidence(client, world.item, jpeg((80, 40), exif=exif), "IMG_1.jpg").status_code == 302
    )
    record = only_evidence()
    stored = Image.open(
        BytesIO(fetch(client, f"/items/{world.item.ref}/evidence/{record.id}").data)
    )
    assert stored.size == (40, 80)
    assert not stored.getexif()
    thumb = fetch(client, f"/items/{world.item.ref}/evidence/{record.id}/thumbnail").data
    width, height = Image.open(BytesIO(thumb)).size
    assert height > width


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"just some text, not a photo", "photo.jpg", "is not a photo"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "drawing.svg",
            "is not a photo",
        ),
        (b"<!doctype html><html><script>alert(1)</script></html>", "page.html", "is not a photo"),
        (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif", "is not a photo"),
        (jpeg()[:200], "cut.jpg", "is damaged"),
        (bomb(), "bomb.png", "has too many pixels"),
        (b"%PDF-1.4\nno end", "cut.pdf", "is damaged"),
        (b"", "empty.jpg", None),  # an empty input is no file at all: the field is required
    ],
)
def test_refused_files_are_explained_and_nothing_is_stored(app, client, world, data, name, message):
    sign_in(client, world.inspector)
    before = timeline_count(world.item)
    response = post_evidence(client, world.item, data, name)
    assert response.status_code == 422
    page = response.data.decode()
    if message:
        assert f"{name} {message}" in page
    assert "<script>alert(1)</script>" not in page
    assert evidence_count() == 0 and stored_files(app) == []
    assert timeline_count(reload(world.item)) == before


def test_file_over_the_limit_is_refused(app, client, world):
    # (kept under 500 kB: larger test uploads leave the test client's temporary file open)
    app.config["MAX_EVIDENCE_BYTES"] = 200 * 1024
    sign_in(client, world.inspector)
    big = jpeg() + b"\0" * (300 * 1024)
    response = post_evidence(client, world.item, big, "huge.jpg")
    assert response.status_code == 422
    assert "huge.jpg is larger than 0.2 MB" in response.data.decode()
    assert evidence_count() == 0 and stored_files(app) == []


def test_text_in_image_metadata_is_not_kept(client, world):
    """Comments and text chunks are dropped by the re-encoding (metadata with web page code in
    it is refused outright: tests/security/test_uploads.py)."""
    info = PngInfo()
    info.add_text("Comment", "Taken by Inspector Wang at 36.81N 118.05E")
    sign_in(client, world.inspector)
    assert post_evidence(client, world.item, png(pnginfo=info), "chunk.png").status_code == 302
    commented = jpeg(comment=b"Taken by Inspector Wang at 36.81N 118.05E")
    assert post_evidence(client, world.item, commented, "comment.jpg").status_code == 302
    for record in db.session.scalars(select(Evidence)):
        for url in (
            f"/items/{world.item.ref}/evidence/{record.id}",
            f"/items/{world.item.ref}/evidence/{record.id}/thumbnail",
        ):
            body = fetch(client, url).data
            assert b"Inspector Wang" not in body and b"36.81N" not in body
        assert record.content_type in ("image/png", "image/jpeg")


def test_one_bad_file_among_several_stores_none(app, client, world):
    sign_in(client, world.inspector)
    response = client.post(
        f"/items/{world.item.ref}/evidence",
        data={
            "version": world.item.version,
            "stage": "before",
            "evidence": [upload(jpeg(), "good.jpg"), upload(b"nope", "bad.jpg")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "bad.jpg is not a photo" in response.data.decode()
    assert evidence_count() == 0 and stored_files(app) == []


def test_evidence_of_another_item_is_not_served_under_this_one(client, world):
    other = make_item(world.campaign, team=world.team_a, lead_agency=world.police)
    db.session.commit()
    sign_in(client, world.inspector)
    assert post_evidence(client, other, jpeg(), "x.jpg").status_code == 302
    record = only_evidence()
    assert fetch(client, f"/items/{world.item.ref}/evidence/{record.id}").status_code == 404
    assert fetch(client, f"/items/{other.ref}/evidence/{record.id}").status_code == 200


def test_stage_follows_who_uploads(client, world):
    """Only the flagging team files "as found", only the lead agency "after rectification"."""
    sign_in(client, world.liaison_env)
    page = client.get(f"/items/{world.item.ref}").data.decode()
    assert 'value="other"' in page and 'value="after"' not in page
    assert post_evidence(client, world.item, jpeg(), "x.jpg", stage="after").status_code == 422
    assert evidence_count() == 0
    sign_in(client, world.liaison_police)
    assert post_evidence(client, world.item, jpeg(), "x.jpg", stage="after").status_code == 302
    assert only_evidence().stage == "after"
