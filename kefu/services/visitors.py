"""What a visitor does around a handoff besides writing: typing, reading, rating.

A visitor is named only by the public id inside its signed token, and every function
here finds the conversation from that id: no event takes a conversation id from a
visitor, so no visitor can reach another's conversation.
"""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services import cards, conversations, routing
from kefu.services.errors import ServiceError
from kefu.services.visitor_history import visible_to_visitor

MAX_PAGES = 10


def _open(public_id: str):
    return conversations.open_conversation_of(conversations._visitor(public_id))


def typing_target(public_id: str):
    """``{"conversation_id", "agent_id"}`` when an agent is there to see it, else None."""
    conversation = _open(public_id)
    if conversation is None or conversation.state not in ("waiting", "agent"):
        return None
    return {"conversation_id": conversation.id, "agent_id": conversation.assigned_agent_id}


def mark_read(public_id: str, message_id: int):
    """The visitor has seen its conversation up to ``message_id``.

    Returns ``{"conversation_id", "agent_id", "up_to", "card"}`` or raises ``not_found``.
    """
    conversation = _open(public_id)
    message = db.session.get(Message, message_id)
    if conversation is None or message is None or message.conversation_id != conversation.id \
            or not visible_to_visitor(message):
        raise ServiceError("not_found", "That message is not in your conversation.")
    conversation.visitor_read_up_to = max(conversation.visitor_read_up_to or 0, message_id)
    db.session.commit()
    return {"conversation_id": conversation.id, "agent_id": conversation.assigned_agent_id,
            "up_to": conversation.visitor_read_up_to, "card": cards.card(conversation)}


def rate(public_id: str, rating: int, comment: str | None) -> dict:
    """Store a 1-5 rating (CSAT) on the visitor's latest conversation, once it is closed."""
    visitor = conversations._visitor(public_id)
    latest = db.session.scalars(select(Conversation).where(Conversation.visitor_id == visitor.id)
                                .order_by(Conversation.id.desc()).limit(1)).first()
    if latest is None or latest.state != "closed":
        raise ServiceError("not_closed", "Only a closed conversation can be rated.")
    if latest.rating is not None:
        raise ServiceError("already_rated", "This conversation has been rated already.")
    latest.rating = rating
    latest.rating_comment = comment
    conversations._record(latest, "rated", "closed", "closed", "visitor",
                          data={"rating": rating})
    db.session.commit()
    return {"conversation": cards.card(latest), "view": routing.visitor_view(latest),
            "agent_id": latest.assigned_agent_id}


def record_page(public_id: str, url: str, title: str | None) -> None:
    """Remember the page the widget was opened on (the latest few, for agents)."""
    visitor = conversations._visitor(public_id)
    pages = [p for p in (visitor.pages or []) if p.get("url") != url]
    pages.append({"url": url, "title": title})
    visitor.pages = pages[-MAX_PAGES:]
    db.session.commit()
