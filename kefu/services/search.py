"""Search in past conversations by the words in their messages."""
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services import presenters
from kefu.services.errors import ServiceError

MAX_RESULTS = 50


def _like_pattern(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_conversations(q: str, limit: int = MAX_RESULTS) -> list:
    """Conversations with a message containing ``q`` (newest first), with the first match."""
    q = (q or "").strip()
    if not q:
        raise ServiceError("empty_field", "Give some words to search for.")
    if len(q) > 200:
        raise ServiceError("field_too_long", "The search is longer than 200 characters.")
    # The database picks the newest ``limit`` conversations and their first match, so a
    # common word costs one scan, never every matching message in memory.
    firsts = db.session.execute(
        select(Message.conversation_id, func.min(Message.id))
        .where(Message.text.ilike(_like_pattern(q), escape="\\"))
        .group_by(Message.conversation_id)
        .order_by(Message.conversation_id.desc()).limit(limit)).all()
    texts = dict(db.session.execute(select(Message.id, Message.text).where(
        Message.id.in_([message_id for _, message_id in firsts]))).all())
    matches = {conversation_id: {"message_id": message_id, "text": texts[message_id][:300]}
               for conversation_id, message_id in firsts}
    found = db.session.scalars(select(Conversation).where(
        Conversation.id.in_(list(matches)))).all()
    by_id = {c.id: c for c in found}
    ordered = [by_id[i] for i in matches if i in by_id]
    return [{**card, "match": matches[card["id"]]} for card in presenters.cards(ordered)]
