"""Evidence files: checked by their content, re-encoded, stored outside static/.

Images (JPEG, PNG, WebP) are decoded with Pillow, turned upright (phone photos carry their
orientation in EXIF), re-encoded without metadata (no location leaks) and given a thumbnail.
PDFs are recognised by their header and always served as downloads. Anything else is refused,
and so are polyglots (a photo or PDF that is also a web page, or has an archive behind it) and
names with a folder path. Files live under UPLOAD_FOLDER with generated names; only
file_response serves them.
"""

import hashlib
import io
import re
import uuid
import warnings
import zipfile
from io import BytesIO
from pathlib import Path

from flask import abort, current_app, send_file
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session

from campaigns.items.models import Evidence
from portal import clock, files
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.uploads import has_folder_path

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; larger is refused (decompression bombs)
# Web page code that a browser would run if it ever took the file for a page. The patterns are
# long enough that the compressed pixels of a genuine photo practically never hold one.
WEB_PAGE = re.compile(
    rb"<(?:script|iframe|object[\s>]|embed[\s>]|html[\s>]|body[\s>]|!doctype|\?php\s)"
    rb"|javascript:|\son(?:load|error|click|mouse\w+|focus|begin)\s*=",
    re.IGNORECASE,
)
MAX_SIDE = 3000  # stored images are scaled down to this
THUMB_SIDE = 320


STORAGE_MESSAGE = (
    "the file could not be stored: the upload folder is full or not writable; nothing was "
    "saved; tell the portal's operators"
)


class UploadRefused(ValidationFailed):
    """The file cannot be accepted; `reason` says why in a word the views translate."""

    def __init__(self, reason: str, name: str | None = None):
        super().__init__(f"upload refused: {reason}", fields={"file": reason})
        self.status = 413 if reason == "too_large" else 422
        if reason == "storage":  # the server's fault, not the file's (the API answers 503)
            self.status, self.code = 503, "unavailable"
            self.message = STORAGE_MESSAGE
        self.reason = reason
        self.name = name  # the file's (cleaned) name, to say which one of several


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def path_of(stored_name: str) -> Path:
    """The file's place on disk; names are generated, never taken from the user."""
    if not stored_name or "/" in stored_name or "\\" in stored_name or stored_name.startswith("."):
        raise ValueError("bad stored name")
    return folder() / stored_name[:2] / stored_name


def _clean_name(name: str | None) -> str:
    """The user's file name for display and downloads only: no directories, no control chars."""
    base = (name or "file").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '<>:"|?*')
    return base.strip(" .")[:200] or "file"


def _read_limited(upload) -> bytes:
    limit = current_app.config["MAX_EVIDENCE_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused("too_large")
    if not data:
        raise UploadRefused("empty")
    return data


def _decode_image(data: bytes) -> tuple[Image.Image, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(BytesIO(data))
        except UnidentifiedImageError as error:  # not a picture at all: text, HTML, SVG …
            raise UploadRefused("type") from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise UploadRefused("dimensions") from error
        except (OSError, SyntaxError, ValueError) as error:
            raise UploadRefused("corrupt") from error
        if probe.format not in IMAGE_FORMATS:
            raise UploadRefused("type")
        try:
            if probe.width * probe.height > MAX_PIXELS:
                raise UploadRefused("dimensions")
            probe.verify()
            image = Image.open(BytesIO(data))
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise UploadRefused("dimensions") from error
        except UnidentifiedImageError as error:
            raise UploadRefused("type") from error
        except (OSError, SyntaxError, ValueError) as error:
            raise UploadRefused("corrupt") from error
    return image, IMAGE_FORMATS[probe.format]


def _encode(image: Image.Image, content_type: str, side: int) -> bytes:
    image = ImageOps.exif_transpose(image)
    image.thumbnail((side, side))
    # Nothing of the original's metadata is written again (comments, text chunks, EXIF with
    # the location, ICC profiles): only the pixels, and a PNG's transparency.
    kept = {"transparency": image.info["transparency"]} if "transparency" in image.info else {}
    image.info = kept
    out = BytesIO()
    if content_type == "image/png":
        image.save(out, "PNG", optimize=True)
    elif content_type == "image/webp":
        image.save(out, "WEBP", quality=85)
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def _check_not_polyglot(data: bytes) -> None:
    """A photo or PDF that is also something else: web page code (in a comment, a text chunk or
    after the end of the picture) or a ZIP archive (a JAR, an office file) appended to it."""
    if WEB_PAGE.search(data):
        raise UploadRefused("web_page")
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise UploadRefused("archive")


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-"):
        raise UploadRefused("type")
    if b"%%EOF" not in data[-2048:]:
        raise UploadRefused("corrupt")


def _write(content: bytes, extension: str) -> str:
    name = f"{uuid.uuid4().hex}.{extension}"
    target = path_of(name)
    try:
        files.write_new(target, content)
    except files.StorageError as error:
        raise UploadRefused("storage") from error
    db.session.info.setdefault(_WRITTEN, []).append(target)
    return name


# Files written in a transaction that then rolls back (a refused second file, a stale version,
# a failed commit) are removed again: a refused save leaves nothing stored.
_WRITTEN = "evidence_files_written"


@event.listens_for(Session, "after_commit")
def _keep_written_files(session):
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_rollback")
def _remove_written_files(session):
    for path in session.info.pop(_WRITTEN, []):
        Path(path).unlink(missing_ok=True)


def store(item, upload, *, stage: str, by) -> Evidence:
    """Check, re-encode and store one upload; return its (flushed) Evidence row."""
    original_name = _clean_name(getattr(upload, "filename", None))
    try:
        if has_folder_path(getattr(upload, "filename", None)):
            raise UploadRefused("path")
        data = _read_limited(upload)
        if data.startswith(b"%PDF-"):
            _check_pdf(data)
            _check_not_polyglot(data)
            content, content_type, thumb = data, "application/pdf", None
        else:
            image, content_type = _decode_image(data)
            _check_not_polyglot(data)
            content = _encode(image.copy(), content_type, MAX_SIDE)
            thumb = _encode(image, "image/jpeg", THUMB_SIDE)
        stored = _write(content, EXTENSIONS[content_type])
        thumb_name = _write(thumb, "jpg") if thumb else None
    except UploadRefused as error:
        error.name = original_name
        raise
    record = Evidence(
        item_id=item.id,
        stage=stage,
        original_name=original_name,
        stored_name=stored,
        thumbnail_name=thumb_name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by_id=getattr(by, "id", None),
        uploaded_at=clock.now(),
    )
    db.session.add(record)
    db.session.flush()
    return record


FILE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'none'; sandbox; base-uri 'none'; "
    "frame-ancestors 'none'"
)


def file_response(stored_name: str, content_type: str, name: str):
    """The file as an answer of its own: PDFs download, images show; nothing in them runs."""
    path = path_of(stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(
        path,
        mimetype=content_type,
        as_attachment=not content_type.startswith("image/"),
        download_name=name,
        conditional=True,
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
