"""Backup and restore: a consistent copy of the database and the uploaded files.

The database is copied first (SQLite's online backup API, or pg_dump in one snapshot), then the
upload folder. Evidence files are only ever added, never changed, so every file the copied
database refers to is in the copy (a file uploaded in between is an unreferenced extra).
A manifest records what was copied, with checksums, so a restore can refuse a damaged backup.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # noqa: S404 - pg_dump/pg_restore are the PostgreSQL tools for this job
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from portal import clock
from portal.extensions import db

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
UPLOADS = "uploads"


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _libpq_url(url) -> str:
    """The URL as pg_dump/pg_restore understand it (no SQLAlchemy driver suffix), without the
    password: that goes in the environment (_libpq_env), never on a command line others see."""
    plain = url.set(drivername="postgresql")._replace(password=None)
    return plain.render_as_string(hide_password=False)


def _libpq_env(url) -> dict:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def _tool(name: str) -> str:
    """The full path of a PostgreSQL client tool, or a clear error."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _counts() -> dict:
    from campaigns.items.models import Evidence, Item, TimelineEntry

    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in (
            ("items", Item),
            ("timeline_entries", TimelineEntry),
            ("evidence", Evidence),
        )
    }


def _revision() -> str | None:
    from sqlalchemy import text

    try:
        return db.session.scalar(text("SELECT version_num FROM alembic_version"))
    except Exception:  # noqa: BLE001 - a database created without migrations has no table
        db.session.rollback()
        return None


def backup(target: Path) -> dict:
    """Write a backup into `target` (a new or empty directory); return the manifest."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; choose a new directory")
    target.mkdir(parents=True, exist_ok=True)
    target.chmod(0o700)  # every record and password hash of the portal: for the operators only
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    counts, revision = _counts(), _revision()
    db.session.rollback()
    if url.get_backend_name() == "sqlite":
        dump = target / SQLITE_FILE
        source = sqlite3.connect(url.database)
        destination = sqlite3.connect(dump)
        try:
            source.backup(destination)
        finally:
            destination.close()
            source.close()
        kind = "sqlite"
    elif url.get_backend_name() == "postgresql":
        dump = target / PG_FILE
        result = subprocess.run(  # noqa: S603
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--file",
                str(dump),
                _libpq_url(url),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=_libpq_env(url),
        )
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        kind = "postgresql"
    else:
        raise BackupError(f"no backup method for {url.get_backend_name()}")

    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    files = {}
    if uploads.exists():
        shutil.copytree(uploads, target / UPLOADS, ignore=shutil.ignore_patterns("*.part"))
        for path in sorted((target / UPLOADS).rglob("*")):
            if path.is_file():
                files[str(path.relative_to(target / UPLOADS))] = _sha256(path)
    manifest = {
        "made_at": clock.now().isoformat(),
        "database": kind,
        "database_file": dump.name,
        "database_sha256": _sha256(dump),
        "schema_revision": revision,
        "counts": counts,
        "files": files,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    return manifest


def read_manifest(source: Path) -> dict:
    path = Path(source) / MANIFEST
    if not path.exists():
        raise BackupError(f"{source} holds no backup ({MANIFEST} is missing)")
    manifest = json.loads(path.read_text())
    dump = Path(source) / manifest["database_file"]
    if not dump.exists() or _sha256(dump) != manifest["database_sha256"]:
        raise BackupError("the database copy is missing or damaged (checksum differs)")
    for name, digest in manifest["files"].items():
        file = Path(source) / UPLOADS / name
        if not file.exists() or _sha256(file) != digest:
            raise BackupError(f"the uploaded file {name} is missing or damaged")
    return manifest


def restore(source: Path) -> dict:
    """Replace the database and the upload folder with the backup in `source`."""
    source = Path(source)
    manifest = read_manifest(source)
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if manifest["database"] != url.get_backend_name():
        raise BackupError(
            f"the backup is of a {manifest['database']} database; this portal uses "
            f"{url.get_backend_name()}"
        )
    db.session.remove()
    db.engine.dispose()
    if manifest["database"] == "sqlite":
        live = Path(url.database)
        staged = live.with_name(live.name + ".restoring")
        shutil.copyfile(source / SQLITE_FILE, staged)
        for suffix in ("-wal", "-shm"):
            Path(str(live) + suffix).unlink(missing_ok=True)
        os.replace(staged, live)
    else:
        result = subprocess.run(  # noqa: S603
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(url),
                str(source / PG_FILE),
            ],
            capture_output=True,
            text=True,
            check=False,
            env=_libpq_env(url),
        )
        if result.returncode != 0:
            raise BackupError(f"pg_restore failed: {result.stderr.strip()}")

    uploads = Path(current_app.config["UPLOAD_FOLDER"])
    staged = uploads.with_name(uploads.name + f".restoring-{clock.now().timestamp():.0f}")
    if (source / UPLOADS).exists():
        shutil.copytree(source / UPLOADS, staged)
    else:
        staged.mkdir(parents=True)
    old = uploads.with_name(uploads.name + ".before-restore")
    if old.exists():
        shutil.rmtree(old)
    if uploads.exists():
        os.replace(uploads, old)
    os.replace(staged, uploads)
    if old.exists():
        shutil.rmtree(old)
    return manifest


# --- Commands (CONTRACTS C2) ---------------------------------------------------------------------


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Copy the database and the uploaded files into DIRECTORY (new or empty)."""
    try:
        manifest = backup(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    counts = manifest["counts"]
    click.echo(
        f"Backup written to {directory}: {manifest['database']} database "
        f"({counts['items']} items, {counts['timeline_entries']} timeline entries), "
        f"{len(manifest['files'])} uploaded files."
    )


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(directory: Path, yes: bool):
    """Replace the database and the uploaded files with the backup in DIRECTORY."""
    try:
        manifest = read_manifest(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    if not yes:
        click.confirm(
            f"This REPLACES the current database and uploaded files with the backup of "
            f"{manifest['made_at']} ({manifest['counts']['items']} items). Stop the web "
            f"workers and the scheduler first. Continue?",
            abort=True,
        )
    try:
        restore(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Restored. Run `flask --app app db upgrade` if the backup is from an older release.")
