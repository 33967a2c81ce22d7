"""Who a visitor is: the signed token, the visitor row it names, and its session.

A visitor is named only by the public id inside its signed token, and every visitor
action finds its conversation from that id: no event takes a conversation id from a
visitor, so no visitor can reach another's conversation.
"""
from flask import current_app
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Visitor, utcnow
from kefu.services import lifecycle, mail, settings
from kefu.services.errors import ServiceError
from kefu.services.tokens import issue_visitor_token, read_visitor_token
from kefu.services.visitor_history import visitor_history

MAX_PAGES = 10


def by_public_id(public_id: str) -> Visitor:
    """The visitor ``public_id``; ServiceError ``unknown_visitor`` when it no longer exists."""
    visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
    if visitor is None:
        raise ServiceError("unknown_visitor", "This visitor no longer exists.")
    return visitor


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
