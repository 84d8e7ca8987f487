"""Database plumbing shared by every model: UTC timestamps, enum columns, SQLite settings."""

import enum
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import CheckConstraint, DateTime, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from portal import clock


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return clock.now()


def enum_column_type(enum_cls: type[enum.Enum]) -> String:
    """A plain string column for an enum's values; `enum_check` adds the database constraint."""
    return String(max(len(m.value) for m in enum_cls))


def enum_check(column: str, enum_cls: type[enum.Enum], name: str | None = None) -> CheckConstraint:
    values = ", ".join(f"'{m.value}'" for m in enum_cls)
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and write transactions that take the lock up front.

    A request that may write (any method but GET/HEAD/OPTIONS) and every command-line or
    scheduled job begins with BEGIN IMMEDIATE, so two writers queue on the busy timeout instead
    of failing when one tries to upgrade a stale read snapshot. Page views begin deferred and
    never block each other.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        reading = has_request_context() and request.method in {"GET", "HEAD", "OPTIONS"}
        connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def render_migration_item(type_, obj, autogen_context):
    """Alembic: write our column types as plain SQLAlchemy types, so migrations stand alone."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
