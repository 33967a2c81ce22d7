"""model_versions: bot models trained from the studio, one training at a time

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TRAINING = "status = 'training'"


def upgrade():
    op.create_table(
        'model_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('trained_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('intents_fingerprint', sa.String(length=64), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['trained_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('uq_model_versions_one_training', 'model_versions', ['status'], unique=True,
                    sqlite_where=sa.text(TRAINING), postgresql_where=sa.text(TRAINING))


def downgrade():
    op.drop_index('uq_model_versions_one_training', table_name='model_versions')
    op.drop_table('model_versions')
