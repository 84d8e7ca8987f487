"""Files waiting between the preview and the confirmation of an import.

The uploaded file is kept in the upload folder under a generated name; the user's session holds
that name with the campaign, the original filename and the file's sha256, so only the person who
uploaded it can confirm it, and only unchanged. Files older than a day are removed.
"""

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, session

from portal import files

KEEP_SECONDS = 24 * 3600
SESSION_KEY = "ledger_uploads"


@dataclass
class PendingUpload:
    token: str
    campaign_id: int
    filename: str
    sha256: str

    @property
    def path(self) -> Path:
        return folder() / f"{self.token}.upload"

    def read(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        session.get(SESSION_KEY, {}).pop(self.token, None)
        session.modified = True


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"]) / "imports"


def keep(campaign_id: int, filename: str, digest: str, content: bytes) -> PendingUpload:
    """Keep the file until it is confirmed; files.StorageError when the folder cannot take it."""
    files.ensure_folder(folder())
    _remove_old()
    pending = PendingUpload(uuid.uuid4().hex, campaign_id, filename, digest)
    files.write_new(pending.path, content)
    uploads = session.get(SESSION_KEY, {})
    uploads[pending.token] = [campaign_id, filename, digest]
    session[SESSION_KEY] = dict(list(uploads.items())[-5:])  # a few at most per person
    return pending


def pending(token: str, campaign_id: int) -> PendingUpload | None:
    found = session.get(SESSION_KEY, {}).get(token)
    if not found or found[0] != campaign_id:
        return None
    return PendingUpload(token, *found)


def _remove_old() -> None:
    limit = time.time() - KEEP_SECONDS
    for path in folder().glob("*.upload"):
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
