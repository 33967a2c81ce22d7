"""What a visitor may read of a conversation: the one filter every visitor path uses.

Agents' private notes (sender ``note``, including the note attached to a transfer)
live in the same table as the chat.  Every message a visitor receives other than a
live event — the ``session`` history on connect, ``sync`` after a given message id,
the ended chats of ``history``, the replies in a resend's result, read markers — is
selected here, by an allow-list of senders, so a new internal kind of record stays hidden by default.
"""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import OPEN_STATES, Conversation, Message
from kefu.services.wire import serialize_message

#: Senders whose messages the visitor sees; anything else is internal to the desk.
VISIBLE_SENDERS = ("visitor", "bot", "agent", "system")


def visible_to_visitor(message: Message) -> bool:
    """True when ``message`` may be shown to the conversation's visitor."""
    return message.sender in VISIBLE_SENDERS


def visible_messages():
    """A select of messages a visitor may read; callers add their own conditions."""
    return select(Message).where(Message.sender.in_(VISIBLE_SENDERS))


def visitor_history(conversation_id: int, limit: int, after_id: int | None = None) -> list:
    """The visitor-visible messages of a conversation, oldest first, in wire form.

    Without ``after_id``: the latest ``limit`` messages (the ``session`` history).
    With it: the first ``limit`` messages after that id (catching up after a gap),
    so a client pages forward by passing the last id it received.
    """
    query = visible_messages().where(Message.conversation_id == conversation_id)
    if after_id is None:
        rows = list(reversed(db.session.scalars(
            query.order_by(Message.id.desc()).limit(limit)).all()))
    else:
        rows = db.session.scalars(
            query.where(Message.id > after_id).order_by(Message.id).limit(limit)).all()
    return [serialize_message(m) for m in rows]


def visitor_replies_to(conversation_id: int, client_msg_id: str) -> list:
    """The visitor-visible answers (bot replies, handoff notices) to one visitor message."""
    rows = db.session.scalars(visible_messages().where(
        Message.conversation_id == conversation_id, Message.reply_to == client_msg_id)
        .order_by(Message.id)).all()
    return [serialize_message(m) for m in rows]


def _of_visitor(visitor_id: int):
    """Visible messages of every conversation of one visitor (never another's)."""
    return visible_messages().join(Message.conversation).where(
        Conversation.visitor_id == visitor_id)


def visitor_messages_after(visitor_id: int, after_id: int, limit: int) -> tuple:
    """``(messages, more)``: the visitor's visible messages after ``after_id``, oldest first.

    Across all of its conversations, since message ids grow across conversations: a
    chat closed while the widget was away and a newer one both come back, in order.
    ``more`` says a further page is waiting (ask again after the last id).
    """
    rows = db.session.scalars(_of_visitor(visitor_id).where(Message.id > after_id)
                              .order_by(Message.id).limit(limit + 1)).all()
    return [serialize_message(m) for m in rows[:limit]], len(rows) > limit


def earlier_messages(visitor_id: int, before_id: int | None, limit: int) -> tuple:
    """``(messages, more)``: the latest ``limit`` visible lines of the visitor's ended chats.

    Only conversations that are no longer open (the open one comes with ``session``),
    only before ``before_id`` when given; oldest first, so a page is drawn as read.
    """
    query = _of_visitor(visitor_id).where(Conversation.state.not_in(OPEN_STATES))
    if before_id is not None:
        query = query.where(Message.id < before_id)
    rows = db.session.scalars(query.order_by(Message.id.desc()).limit(limit + 1)).all()
    return [serialize_message(m) for m in reversed(rows[:limit])], len(rows) > limit
