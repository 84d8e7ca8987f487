"""items list index: campaign and deadline

A campaign's item list is sorted by deadline by default; the index lets the database read
the first page in order instead of sorting every item of the campaign. Adds an index only:
the data in place stays as it is.

Revision ID: 867acfc30159
Revises: 489edd3968de
Create Date: 2026-11-22 19:54:25.142028

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '867acfc30159'
down_revision = '489edd3968de'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_campaign_deadline', ['campaign_id', 'deadline'], unique=False)


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_campaign_deadline')
