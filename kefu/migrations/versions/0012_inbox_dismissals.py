"""inbox_dismissals: questions an editor dismissed from the learning inbox

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 12:20:00

A dismissed question must not come back, however many visitors ask it again, so the
dismissal is kept by the question's normalised text (the inbox's own key), once,
with who dismissed it and when.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inbox_dismissals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=500), nullable=False),
        sa.Column('text', sa.String(length=500), nullable=False),
        sa.Column('dismissed_by_user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['dismissed_by_user_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name='uq_inbox_dismissals_key'),
    )


def downgrade():
    op.drop_table('inbox_dismissals')
