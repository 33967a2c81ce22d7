"""Who a visitor is: the signed token, the visitor row it names, and its session.

A visitor is named only by the public id inside its signed token, and every visitor
action finds its conversation from that id: no event takes a conversation id from a
visitor, so no visitor can reach another's conversation.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, select

from kefu.extensions import db
from kefu.models import OPEN_STATES, Conversation, Visitor, utcnow
from kefu.services import lifecycle, mail, settings
from kefu.services.errors import ServiceError
from kefu.services.tokens import issue_visitor_token, read_visitor_token
from kefu.services.visitor_history import visitor_history

MAX_PAGES = 10
#: ``last_seen`` is written at most this often per visitor: agents read it in minutes, and
#: an UPDATE of the visitor row on every message was one write in five of the hot path.
SEEN_PRECISION = timedelta(seconds=60)


def by_public_id(public_id: str) -> Visitor:
    """The visitor ``public_id``; ServiceError ``unknown_visitor`` when it no longer exists."""
    visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
    if visitor is None:
        raise ServiceError("unknown_visitor", "This visitor no longer exists.")
    return visitor


def with_open_conversation(public_id: str):
    """``(visitor, its open conversation or None)`` in one query (every message asks this).

    ServiceError ``unknown_visitor`` when the visitor no longer exists.  The partial
    unique index allows one open conversation per visitor, so the join yields one row.
    """
    row = db.session.execute(
        select(Visitor, Conversation)
        .outerjoin(Conversation, and_(Conversation.visitor_id == Visitor.id,
                                      Conversation.state.in_(OPEN_STATES)))
        .where(Visitor.public_id == public_id)
        .order_by(Conversation.id.desc()).limit(1)).first()
    if row is None:
        raise ServiceError("unknown_visitor", "This visitor no longer exists.")
    return row[0], row[1]


def note_seen(visitor: Visitor) -> None:
    """The visitor is here now: move ``last_seen`` unless it moved within SEEN_PRECISION."""
    now = utcnow()
    if visitor.last_seen is None or now - visitor.last_seen >= SEEN_PRECISION:
        visitor.last_seen = now


def open_session(token, locale: str, user_agent: str | None):
    """Resume the visitor named by ``token`` or create a new one: ``(session, conversation)``.

    ``session`` is the ``session`` event without the transport's fields; ``conversation``
    the open conversation or None.  A token that is present but forged, expired or
    unknown raises ServiceError: the caller must refuse the connection rather than hand
    out a fresh identity silently.
    """
    if token is None:
        visitor = Visitor(locale=locale, user_agent=(user_agent or "")[:512])
        db.session.add(visitor)
    else:
        public_id = read_visitor_token(token)
        visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
        if visitor is None:
            raise ServiceError("unknown_visitor", "This visitor token names no visitor here.")
        visitor.locale = locale
        visitor.last_seen = utcnow()
        if user_agent:
            visitor.user_agent = user_agent[:512]
    db.session.commit()
    conversation = lifecycle.open_conversation_of(visitor)
    session = {
        "token": issue_visitor_token(visitor.public_id),
        "visitor_id": visitor.public_id,
        "conversation_id": conversation.id if conversation else None,
        "state": conversation.state if conversation else "bot",
        "messages": visitor_history(conversation.id, current_app.config["HISTORY_LIMIT"])
        if conversation else [],
        # greeting, suggested_questions, csat_question: the admin's settings for the widget
        **settings.widget_texts(locale),
        "email_replies": mail.configured(),
        "locale": locale,
        "agent_read_up_to": conversation.agent_read_up_to if conversation else None,
    }
    return session, conversation


def record_page(visitor: Visitor, url: str, title: str | None) -> None:
    """Remember the page the widget was opened on (the latest few, for agents)."""
    pages = [p for p in (visitor.pages or []) if p.get("url") != url]
    pages.append({"url": url, "title": title})
    visitor.pages = pages[-MAX_PAGES:]
    db.session.commit()
