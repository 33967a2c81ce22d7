"""visitor_connections and leases: waiting visitors who left, jobs once per deployment

``visitor_connections`` holds one row per open /visitor socket (like
``agent_connections``), so every process knows whether a waiting visitor is still
there; ``leases`` lets one process at a time run the periodic lifecycle jobs.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'visitor_connections',
        sa.Column('sid', sa.String(length=64), nullable=False),
        sa.Column('visitor_id', sa.Integer(), nullable=False),
        sa.Column('process_id', sa.String(length=64), nullable=False),
        sa.Column('connected_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['visitor_id'], ['visitors.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sid'),
    )
    with op.batch_alter_table('visitor_connections', schema=None) as batch_op:
        batch_op.create_index('ix_visitor_connections_visitor', ['visitor_id', 'heartbeat_at'],
                              unique=False)
    op.create_table(
        'leases',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('holder', sa.String(length=64), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('acquired_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )


def downgrade():
    op.drop_table('leases')
    with op.batch_alter_table('visitor_connections', schema=None) as batch_op:
        batch_op.drop_index('ix_visitor_connections_visitor')
    op.drop_table('visitor_connections')
