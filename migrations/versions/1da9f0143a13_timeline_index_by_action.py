"""timeline index by action

The joint cases' "returned" group looks for items whose latest move is a return: with this
index it starts from the few items that ever were returned (found by the city-scale benchmark,
docs/PERFORMANCE.md). Adds an index only.

Revision ID: 1da9f0143a13
Revises: a5888d15e63a
Create Date: 2026-11-22 23:11:24.829176

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '1da9f0143a13'
down_revision = 'a5888d15e63a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('timeline_entries', schema=None) as batch_op:
        batch_op.create_index('ix_timeline_action', ['action', 'item_id'], unique=False)


def downgrade():
    with op.batch_alter_table('timeline_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_timeline_action')
