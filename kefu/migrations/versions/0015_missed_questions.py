"""each missed question's key on the bot's turn that missed it

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 18:30:00

"Top unanswered questions" and the learning inbox read the bot's misses.  After 0014
they found them through ``ix_messages_bot_misses``, then read each visitor line the
miss replied to, normalised it in Python, and probed the chat's next lines to see
whether the visitor took a "did you mean" offer: 0.4 s on 30 days of a million messages
and 1 s on 90, capped at the 5,000 newest misses (benchmarks/reports.py).

The turn that misses now carries the question's normalised text, ``miss_key``, written
as it is stored (kefu.models), and an offer the visitor takes loses it
(kefu.services.inbox.take_offer).  The reports count questions per key from the
partial index ``ix_messages_missed`` alone, every miss of the period, and read the
wordings of the ten they list.  The backfill below gives the turns already stored their
key by the same rules: the kind from kefu.models.miss_kind, and an offer counts as
taken when the visitor's next line tapped one of the offered intents or the bot's
next turn answered with one.
"""
import json

import sqlalchemy as sa
from alembic import op

from kefu.models import MISS_KEY_CHARS, miss_key_of, miss_kind

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

MISSED = sa.text("miss_key IS NOT NULL")
BOT_MISS = sa.text("bot_action IN ('clarify', 'suggest', 'offtopic', 'escalate', 'offer_form')")
#: The turns that may have missed, each with the visitor line it replied to and, for an
#: offer, the intent the visitor's next line tapped and the one the bot's next turn
#: answered with (null when it did not answer).
CANDIDATES = """
SELECT r.id, r.bot_action, r.extra, v.text,
       CASE WHEN r.bot_action = 'suggest' THEN (
           SELECT n.intent FROM messages n
           WHERE n.conversation_id = r.conversation_id AND n.sender = 'visitor'
             AND n.id > r.id
           ORDER BY n.id LIMIT 1) END,
       CASE WHEN r.bot_action = 'suggest' THEN (
           SELECT CASE WHEN n.sender = 'bot' AND n.bot_action = 'answer' THEN n.intent END
           FROM messages n
           WHERE n.conversation_id = r.conversation_id AND n.sender IN ('bot', 'system')
             AND n.id > r.id
           ORDER BY n.id LIMIT 1) END
FROM messages r
JOIN conversations c ON c.id = r.conversation_id
JOIN messages v ON v.visitor_id = c.visitor_id AND v.client_msg_id = r.reply_to
WHERE r.sender IN ('bot', 'system')
  AND r.bot_action IN ('clarify', 'suggest', 'offtopic', 'escalate', 'offer_form')
"""


def _offered(extra) -> set:
    suggestions = extra.get("suggestions") if isinstance(extra, dict) else None
    return {s.get("intent") for s in suggestions or [] if isinstance(s, dict)}


def backfill(connection):
    """Key the misses already stored, by the rules the listeners now apply."""
    rows = []
    for message_id, action, extra, question, tapped, answered in connection.execute(
            sa.text(CANDIDATES)):
        extra = json.loads(extra) if isinstance(extra, str) else extra
        if miss_kind(action, extra) is None:
            continue
        if action == "suggest" and _offered(extra) & ({tapped, answered} - {None}):
            continue  # taken
        key = miss_key_of(question)
        if key:
            rows.append({"id": message_id, "key": key})
    update = sa.text("UPDATE messages SET miss_key = :key WHERE id = :id")
    for start in range(0, len(rows), 10_000):
        connection.execute(update, rows[start:start + 10_000])


def upgrade():
    op.add_column('messages', sa.Column('miss_key', sa.String(MISS_KEY_CHARS), nullable=True))
    backfill(op.get_bind())
    op.drop_index('ix_messages_bot_misses', table_name='messages')
    op.create_index('ix_messages_missed', 'messages', ['conversation_id', 'miss_key'],
                    sqlite_where=MISSED, postgresql_where=MISSED)


def downgrade():
    op.drop_index('ix_messages_missed', table_name='messages')
    op.create_index('ix_messages_bot_misses', 'messages',
                    ['conversation_id', 'sender', 'bot_action', 'reply_to'],
                    sqlite_where=BOT_MISS, postgresql_where=BOT_MISS)
    with op.batch_alter_table('messages') as batch:
        batch.drop_column('miss_key')
