"""visitors.external_id: the host site's signed-in customer (identity validation)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 14:20:00

A unique index, null for anonymous visitors (both SQLite and PostgreSQL allow many nulls
in it), so one customer is one visitor on every device.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # In place on SQLite: no batch table rebuild, whose drop of the old visitors table
    # would cascade to the conversations (foreign keys are on).
    op.add_column('visitors', sa.Column('external_id', sa.String(length=255), nullable=True))
    op.create_index('uq_visitors_external_id', 'visitors', ['external_id'], unique=True)


def downgrade():
    op.drop_index('uq_visitors_external_id', table_name='visitors')
    with op.batch_alter_table('visitors', schema=None) as batch_op:
        batch_op.drop_column('external_id')
