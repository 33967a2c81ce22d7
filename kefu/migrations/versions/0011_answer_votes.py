"""messages.helpful: the visitor's helpful / not-helpful vote on a bot answer

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 23:10:00

A bot answer is shown to one visitor only (its conversation's), so "one vote per answer
per visitor" is a column on the answer: null until voted, then true or false, with the
time of the vote for reports and the studio's learning inbox (thumbs-down answers).
Added in place, no batch rebuild (a rebuild of messages on SQLite would fight its
foreign keys for nothing).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('messages', sa.Column('helpful', sa.Boolean(), nullable=True))
    op.add_column('messages', sa.Column('voted_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('voted_at')
        batch_op.drop_column('helpful')
