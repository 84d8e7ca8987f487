"""Database plumbing shared by every model: UTC timestamps, enum columns, SQLite settings."""

import enum
from datetime import UTC, datetime

from flask import has_request_context, request
from sqlalchemy import DDL, CheckConstraint, Date, DateTime, Index, Integer, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import TypeDecorator

from portal import clock
from portal.extensions import Base, db


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


TRIGRAM_EXTENSION = DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql")
event.listen(Base.metadata, "before_create", TRIGRAM_EXTENSION)


def trigram_index(name: str, column: str) -> Index:
    """PostgreSQL only: a trigram index (extension pg_trgm), so that a search for a part of a
    name (`ILIKE '%…%'`) reads the index instead of every row. SQLite has none (it reads the
    rows). The extension is made before the tables (`TRIGRAM_EXTENSION`, on the metadata) and
    by migration 3c2f6a1d9b7e."""
    return Index(
        name, column, postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"}
    ).ddl_if(dialect="postgresql")


def on_postgresql() -> bool:
    """The session's database is PostgreSQL (where a query's best shape differs from SQLite's:
    the search, a liaison's counts, COPY, upserts)."""
    return db.session.get_bind().dialect.name == "postgresql"


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


def migration_includes(dialect: str):
    """Alembic's include_object: an index made on one database only (`ddl_if`, such as the
    trigram indexes) is compared on that database only."""

    def include(obj, name, type_, reflected, compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None)
        return condition is None or condition.dialect in (None, dialect)

    return include


# --- Date arithmetic in SQL, the same on SQLite and PostgreSQL ----------------------------------


class add_days(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """A DATE plus a number of days."""

    type = Date()
    inherit_cache = True


@compiles(add_days)
def _add_days(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + {compiler.process(days, **kw)})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


class days_between(FunctionElement):  # noqa: N801
    """Whole days from one DATE to another."""

    type = Integer()
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (
        f"CAST(julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)}) AS INTEGER)"
    )
