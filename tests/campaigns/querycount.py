"""Count the SQL statements a block sends (to catch N+1 queries)."""

from contextlib import contextmanager

from sqlalchemy import event

from portal.extensions import db


@contextmanager
def counting_queries():
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
