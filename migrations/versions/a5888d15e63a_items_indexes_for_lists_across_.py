"""items indexes for lists across campaigns and for figures

Found by the city-scale benchmark (bench/, docs/PERFORMANCE.md): the item lists across
campaigns sorted every visible item to show the first page (deadline, flagged), and the
dashboard and completion table read every row of a campaign's items. ix_items_figures holds
every column the figures read, so they scan the index alone. Adds indexes only.

Revision ID: a5888d15e63a
Revises: 867acfc30159
Create Date: 2026-11-22 22:41:22.666201

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a5888d15e63a'
down_revision = '867acfc30159'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index('ix_items_deadline', ['deadline', 'id'], unique=False)
        batch_op.create_index('ix_items_figures', ['campaign_id', 'status', 'flagged_on', 'verified_on', 'deadline', 'relapse_count', 'district_id', 'lead_agency_id', 'team_id', 'category_id', 'listing_level'], unique=False)
        batch_op.create_index('ix_items_flagged', ['flagged_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_flagged')
        batch_op.drop_index('ix_items_figures')
        batch_op.drop_index('ix_items_deadline')
