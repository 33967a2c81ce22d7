"""each conversation's report figures on its own row, and the bot's answers indexed

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 15:30:00

After 0013 every report still joined the period's messages and events: about twenty
statements over a million messages for the reports page, 1.3 s on 30 days and 4.2 s on
90 (benchmarks/reports.py, docs/benchmarks.md).  The figures those joins derived are
kept on the conversation instead, by listeners in kefu.models as lines and events are
stored: when the bot first spoke, the first handoff and its reason, the first agent
reply after it, the latest entry into the queue, the abandonment.  A report then reads
one row per conversation of its period.  The backfill below derives them once from the
rows already stored, by the same rules (benchmarks/reports.py calls it after seeding).

``ix_messages_bot_answers`` (partial: the bot's answers only) holds the intent and the
vote, so the helpful ratio and the top intents are read from the index alone;
``ix_messages_bot_misses`` (the bot's misses only) leads the learning inbox and the top
unanswered questions to the few lines they list.
"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

COLUMNS = [('bot_spoke_at', sa.DateTime(timezone=True)),
           ('first_handoff_at', sa.DateTime(timezone=True)),
           ('first_handoff_reason', sa.String(32)),
           ('first_response_at', sa.DateTime(timezone=True)),
           ('queued_at', sa.DateTime(timezone=True)),
           ('abandoned_at', sa.DateTime(timezone=True))]

BOT_ANSWER = sa.text("sender = 'bot' AND bot_action = 'answer'")
BOT_MISS = sa.text("bot_action IN ('clarify', 'suggest', 'offtopic', 'escalate', 'offer_form')")

#: ``(column, statement)``: each figure per conversation, one grouped scan each.  Grouped
#: scans rather than a correlated subquery per conversation: without planner statistics
#: SQLite answers ``min(created_at) ... WHERE kind = 'escalated' AND conversation_id = ?``
#: by walking ix_events_kind_created over every handoff, for each of the conversations.
GROUPED = [
    ('bot_spoke_at', "SELECT conversation_id, min(created_at) FROM messages"
                     " WHERE sender = 'bot' GROUP BY conversation_id"),
    ('queued_at', "SELECT conversation_id, max(created_at) FROM conversation_events"
                  " WHERE to_state = 'waiting' GROUP BY conversation_id"),
    ('abandoned_at', "SELECT conversation_id, max(created_at) FROM conversation_events"
                     " WHERE kind = 'abandoned' GROUP BY conversation_id"),
]
HANDOFFS = ("SELECT conversation_id, created_at, reason FROM conversation_events"
            " WHERE kind = 'escalated' ORDER BY conversation_id, created_at, id")
#: Per handed-off conversation, one probe of ix_messages_conversation_sender (0013).
FIRST_RESPONSE = """UPDATE conversations SET
    first_response_at = (SELECT min(m.created_at) FROM messages m
                         WHERE m.conversation_id = conversations.id AND m.sender = 'agent'
                           AND m.created_at >= conversations.first_handoff_at)
  WHERE first_handoff_at IS NOT NULL"""


def backfill(connection):
    """Derive the figures of the conversations already stored, by the listeners' rules."""
    figures = {}
    for column, statement in GROUPED:
        for conversation_id, value in connection.execute(sa.text(statement)):
            figures.setdefault(conversation_id, {})[column] = value
    for conversation_id, at, reason in connection.execute(sa.text(HANDOFFS)):
        row = figures.setdefault(conversation_id, {})
        if 'first_handoff_at' not in row:  # ordered by time: the first is the earliest
            row.update(first_handoff_at=at, first_handoff_reason=reason)
    names = [name for name, _ in COLUMNS if name != 'first_response_at']
    update = sa.text(f"UPDATE conversations SET {', '.join(f'{n} = :{n}' for n in names)}"
                     " WHERE id = :id")
    rows = [{'id': cid, **{n: row.get(n) for n in names}} for cid, row in figures.items()]
    for start in range(0, len(rows), 10_000):
        connection.execute(update, rows[start:start + 10_000])
    connection.execute(sa.text(FIRST_RESPONSE))


def upgrade():
    for name, type_ in COLUMNS:
        op.add_column('conversations', sa.Column(name, type_, nullable=True))
    backfill(op.get_bind())
    op.create_index('ix_messages_bot_answers', 'messages',
                    ['conversation_id', 'sender', 'bot_action', 'intent', 'helpful'],
                    sqlite_where=BOT_ANSWER, postgresql_where=BOT_ANSWER)
    op.create_index('ix_messages_bot_misses', 'messages',
                    ['conversation_id', 'sender', 'bot_action', 'reply_to'],
                    sqlite_where=BOT_MISS, postgresql_where=BOT_MISS)


def downgrade():
    op.drop_index('ix_messages_bot_misses', table_name='messages')
    op.drop_index('ix_messages_bot_answers', table_name='messages')
    with op.batch_alter_table('conversations') as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
