"""Canned replies: saved answers agents insert with ``/shortcut``, with variables."""
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu import i18n
from kefu.extensions import db
from kefu.models import CannedReply, Conversation, User
from kefu.services.errors import ServiceError

SHORTCUT = re.compile(r"^[a-z0-9_-]{1,32}$")
VARIABLE = re.compile(r"\{(\w+)\}")
VISITOR_FALLBACK = {"zh": "您", "en": "there"}


def serialize(reply: CannedReply) -> dict:
    """The wire form of a canned reply."""
    return {"id": reply.id, "shortcut": reply.shortcut, "text": reply.text}


def list_replies() -> list:
    """Every canned reply, by shortcut."""
    return [serialize(r) for r in db.session.scalars(
        select(CannedReply).order_by(CannedReply.shortcut))]


def _clean(shortcut, text):
    shortcut = shortcut.strip().lstrip("/").lower()
    if not SHORTCUT.match(shortcut):
        raise ServiceError("invalid_shortcut",
                           "A shortcut is 1-32 of a-z, 0-9, '-' and '_' (no spaces).")
    return shortcut, text.strip()


def create(shortcut: str, text: str) -> dict:
    """Add a canned reply; shortcuts are unique."""
    shortcut, text = _clean(shortcut, text)
    reply = CannedReply(shortcut=shortcut, text=text)
    db.session.add(reply)
    return _commit(reply)


def update(reply_id: int, shortcut: str, text: str) -> dict:
    """Change a canned reply."""
    reply = _get(reply_id)
    reply.shortcut, reply.text = _clean(shortcut, text)
    return _commit(reply)


def delete(reply_id: int) -> None:
    """Remove a canned reply."""
    db.session.delete(_get(reply_id))
    db.session.commit()


def _get(reply_id):
    reply = db.session.get(CannedReply, reply_id)
    if reply is None:
        raise ServiceError("not_found", f"There is no canned reply {reply_id}.")
    return reply


def _commit(reply):
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("duplicate_shortcut", "Another canned reply uses that shortcut.")
    return serialize(reply)


def render(text: str, conversation_id: int | None, user_id: int | None) -> str:
    """Fill ``{visitor_name}``, ``{agent_name}``, ``{conversation_id}``; unknown ones stay."""
    values = {}
    user = db.session.get(User, user_id) if user_id else None
    if user is not None:
        values["agent_name"] = user.name
    conversation = db.session.get(Conversation, conversation_id) if conversation_id else None
    if conversation is not None:
        visitor = conversation.visitor
        values["visitor_name"] = visitor.name or VISITOR_FALLBACK[
            i18n.pick_language(visitor.locale)]
        values["conversation_id"] = str(conversation.id)
    return VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)
