"""Files the portal keeps in its upload folder: written whole or not at all.

A file is written under a temporary `.part` name, flushed to disk and then renamed into place,
so a reader never sees half a file. When the folder cannot take it (the disk is full, the
folder is read-only, missing or owned by someone else) the partial file is removed, the cause
is logged for the operators and StorageError is raised for the caller to tell the user.
"""

import os
from pathlib import Path

from flask import current_app


class StorageError(Exception):
    """The upload folder cannot take a file."""


def ensure_folder(path: Path) -> Path:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _log(path, error)
        raise StorageError(str(error)) from error
    return path


def write_new(path: Path, content: bytes) -> None:
    """Write `content` to the new file `path` (readable by the portal's user only)."""
    part = path.with_name(path.name + ".part")
    try:
        ensure_folder(path.parent)
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(part, path)
    except OSError as error:
        part.unlink(missing_ok=True)
        _log(path.parent, error)
        raise StorageError(str(error)) from error


def _log(folder: Path, error: OSError) -> None:
    current_app.logger.error(
        "cannot store a file in %s: %s (is the disk full, or the folder not writable "
        "by the portal's user?)",
        folder,
        error,
    )
