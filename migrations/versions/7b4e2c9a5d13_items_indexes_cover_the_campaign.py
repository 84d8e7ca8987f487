"""items indexes cover the campaign

The list filters' indexes (status and deadline, lead agency, district) get the campaign as their
last column: a list's counts per status, which keep to the campaigns a person may see, are then
read from the index alone instead of looking up every matching row (on SQLite 86 -> 5 ms for
the red light at city scale; found by the benchmark, docs/PERFORMANCE.md). Indexes only.

Revision ID: 7b4e2c9a5d13
Revises: 3c2f6a1d9b7e
Create Date: 2026-11-23 02:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '7b4e2c9a5d13'
down_revision = '3c2f6a1d9b7e'
branch_labels = None
depends_on = None

INDEXES = {
    "ix_items_status_deadline": ["status", "deadline"],
    "ix_items_lead_agency_status": ["lead_agency_id", "status"],
    "ix_items_district_status": ["district_id", "status"],
}


def _statistics():
    """SQLite keeps no statistics for a new index until ANALYZE, and then guesses it very
    selective: the joint cases took 0.9 s instead of 0.16 s at city scale until it ran.
    (PostgreSQL's statistics are per column and stay.)"""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ANALYZE items")


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, [*columns, "campaign_id"], unique=False)
    _statistics()


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
    _statistics()
