"""trigram indexes for the lists' search (PostgreSQL)

The item lists' search looks for a part of an item's reference, its title or its target's name
(ILIKE '%...%'): without an index PostgreSQL read every item (0.3 to 0.8 s at city scale, found
by the benchmark, docs/PERFORMANCE.md). Trigram indexes (extension pg_trgm, trusted: a database
owner may create it) answer it from the index. SQLite has no such index: nothing changes there.
Adds an extension and indexes only.

Revision ID: 3c2f6a1d9b7e
Revises: 1da9f0143a13
Create Date: 2026-11-23 02:05:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c2f6a1d9b7e'
down_revision = '1da9f0143a13'
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_items_ref_trgm", "items", "ref"),
    ("ix_items_title_trgm", "items", "title"),
    ("ix_targets_name_trgm", "targets", "name"),
)


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        op.create_index(
            name,
            table,
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, table, _ in INDEXES:
        op.drop_index(name, table_name=table)
    # The extension stays: other databases' objects on the server may use it.
