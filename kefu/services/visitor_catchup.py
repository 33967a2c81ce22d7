"""What a returning widget missed: ``sync`` after a gap, and ``history`` of ended chats.

A socket that was down (a phone in a tunnel, a laptop asleep, a server restart) misses
live events.  The widget asks ``sync`` with the last message id it shows and gets what
came after, from the database, so no reply is missed; it drops ids it already has, so
none shows twice.  Both read through kefu.services.visitor_history, the one filter that
keeps agents' notes from visitors.
"""
from flask import current_app
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation
from kefu.services import presenters, visitors
from kefu.services.outcomes import Outcome
from kefu.services.visitor_history import earlier_messages, visitor_messages_after


def latest_conversation(visitor_id: int):
    """The visitor's newest conversation (open, or the last one ended), or None."""
    return db.session.scalars(select(Conversation).where(Conversation.visitor_id == visitor_id)
                              .order_by(Conversation.id.desc()).limit(1)).first()


def sync(public_id: str, after_id: int) -> Outcome:
    """The visitor's messages after ``after_id`` and its conversation's view, in the ack."""
    visitor = visitors.by_public_id(public_id)
    messages, more = visitor_messages_after(visitor.id, after_id,
                                            current_app.config["HISTORY_LIMIT"])
    latest = latest_conversation(visitor.id)
    return Outcome(ack={"messages": messages, "more": more,
                        "conversation": presenters.visitor_view(latest) if latest else None})


def history(public_id: str, before_id: int | None) -> Outcome:
    """A page of the visitor's ended chats, before ``before_id`` (the latest without it)."""
    visitor = visitors.by_public_id(public_id)
    messages, more = earlier_messages(visitor.id, before_id, current_app.config["EARLIER_LIMIT"])
    return Outcome(ack={"messages": messages, "more": more})
