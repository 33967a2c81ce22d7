"""indexes for the reports, each asked for by a plan on a million messages (benchmarks/reports.py)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 12:00:00

Each index is the one a report's plan asked for on the benchmark's desk of a million
messages (benchmarks/reports.py; plans and figures in docs/benchmarks.md, "Reports on a
million messages"):
- conversations(created_at): every report counts the conversations created in a period;
  without it each one scans the whole table;
- messages(conversation_id, sender, created_at): "the bot spoke in this conversation"
  (containment) and "the first agent reply at or after the handoff" (first response)
  become one probe of the index instead of a walk over the conversation's lines;
- conversation_events(kind, conversation_id): a conversation's handoffs, probed once per
  conversation (containment) and read in conversation order (handoff rate);
- conversation_events(kind, actor_user_id, conversation_id): the chats an agent claimed
  (every report for one agent, and per agent).
Plain CREATE INDEX, no batch rebuild.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_conversations_created', 'conversations', ['created_at'])
    op.create_index('ix_messages_conversation_sender', 'messages',
                    ['conversation_id', 'sender', 'created_at'])
    op.create_index('ix_events_kind_conversation', 'conversation_events',
                    ['kind', 'conversation_id'])
    op.create_index('ix_events_kind_actor', 'conversation_events',
                    ['kind', 'actor_user_id', 'conversation_id'])


def downgrade():
    op.drop_index('ix_events_kind_actor', table_name='conversation_events')
    op.drop_index('ix_events_kind_conversation', table_name='conversation_events')
    op.drop_index('ix_messages_conversation_sender', table_name='messages')
    op.drop_index('ix_conversations_created', table_name='conversations')
