"""one open conversation per visitor; client_msg_id unique per visitor; replies claimed once

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 08:45:00

Backfill, before the constraints can hold:
- a visitor with several open conversations (the race this revision closes) keeps the
  newest open; the older ones are closed, as the widget only ever showed the newest;
- visitor messages get their visitor's id, except later copies of a client_msg_id the
  visitor already used (those were stored twice; the first copy stays the one a resend
  finds, the copies stay in their conversations);
- a visitor message that has a reply (``reply_to``) is marked answered;
- agents' ids stay unique per conversation, among the desk's rows only (``visitor_id``
  null), so they no longer collide with the visitor's ids in the same chat.
"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OPEN = "state IN ('bot', 'waiting', 'agent')"
DESK = "visitor_id IS NULL"


def upgrade():
    conversations = sa.table('conversations', sa.column('id', sa.Integer),
                             sa.column('visitor_id', sa.Integer), sa.column('state', sa.String),
                             sa.column('closed_at', sa.DateTime(timezone=True)))
    newer = conversations.alias('newer')
    op.execute(conversations.update().where(
        conversations.c.state.in_(('bot', 'waiting', 'agent')),
        sa.exists().where(newer.c.visitor_id == conversations.c.visitor_id,
                          newer.c.state.in_(('bot', 'waiting', 'agent')),
                          newer.c.id > conversations.c.id),
    ).values(state='closed', closed_at=datetime.now(timezone.utc)))
    op.create_index('uq_conversations_one_open_per_visitor', 'conversations', ['visitor_id'],
                    unique=True, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('visitor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answered', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.create_foreign_key('fk_messages_visitor_id', 'visitors', ['visitor_id'],
                                    ['id'], ondelete='CASCADE')
    op.execute(sa.text(
        "UPDATE messages SET visitor_id = (SELECT c.visitor_id FROM conversations c"
        " WHERE c.id = messages.conversation_id)"
        " WHERE sender = 'visitor' AND client_msg_id IS NOT NULL AND NOT EXISTS ("
        "  SELECT 1 FROM messages earlier"
        "  JOIN conversations ce ON ce.id = earlier.conversation_id"
        "  JOIN conversations cm ON cm.id = messages.conversation_id"
        "  WHERE earlier.sender = 'visitor' AND earlier.client_msg_id = messages.client_msg_id"
        "  AND ce.visitor_id = cm.visitor_id AND earlier.id < messages.id)"))
    op.execute(sa.text(
        "UPDATE messages SET answered = :yes WHERE sender = 'visitor' AND EXISTS ("
        " SELECT 1 FROM messages reply WHERE reply.conversation_id = messages.conversation_id"
        " AND reply.reply_to = messages.client_msg_id)").bindparams(yes=True))
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_messages_visitor_client_msg',
                                          ['visitor_id', 'client_msg_id'])
        batch_op.drop_constraint('uq_messages_client_msg', type_='unique')
    op.create_index('uq_messages_desk_client_msg', 'messages', ['conversation_id', 'client_msg_id'],
                    unique=True, sqlite_where=sa.text(DESK), postgresql_where=sa.text(DESK))


def downgrade():
    op.drop_index('uq_messages_desk_client_msg', table_name='messages')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_messages_client_msg',
                                          ['conversation_id', 'client_msg_id'])
        batch_op.drop_constraint('uq_messages_visitor_client_msg', type_='unique')
        batch_op.drop_constraint('fk_messages_visitor_id', type_='foreignkey')
        batch_op.drop_column('answered')
        batch_op.drop_column('visitor_id')
    op.drop_index('uq_conversations_one_open_per_visitor', table_name='conversations')
