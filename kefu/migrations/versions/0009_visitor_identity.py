"""visitors.external_id: the host site's signed-in customer (identity validation)

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-02 14:20:00

Unique, and null for anonymous visitors (both SQLite and PostgreSQL allow many nulls in
a unique column), so one customer is one visitor on every device.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visitors', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint('uq_visitors_external_id', ['external_id'])


def downgrade():
    with op.batch_alter_table('visitors', schema=None) as batch_op:
        batch_op.drop_constraint('uq_visitors_external_id', type_='unique')
        batch_op.drop_column('external_id')
