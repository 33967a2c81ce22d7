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
from kefu.services.identity import verify, visitor_of
from kefu.services.tokens import issue_visitor_token, read_visitor_token
from kefu.services.visitor_history import earlier_messages, visitor_history

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


def open_session(token, locale: str, user_agent: str | None, user=None):
    """Resume the visitor named by ``token`` or create a new one: ``(session, conversation)``.

    ``session`` is the ``session`` event without the transport's fields; ``conversation``
    the open conversation or None.  A token that is present but forged, expired or
    unknown raises ServiceError: the caller must refuse the connection rather than hand
    out a fresh identity silently.  ``user`` is the host site's ``(id, name, email,
    hash)``: once verified (kefu.services.identity) it names the visitor, not the token.
    """
    identity = verify(*user) if user else None  # refused before anything is stored
    visitor = _resolve(token, locale, identity)
    visitor.locale = locale
    visitor.last_seen = utcnow()
    if user_agent:
        visitor.user_agent = user_agent[:512]
    db.session.commit()
    conversation = lifecycle.open_conversation_of(visitor)
    earlier, more = earlier_messages(visitor.id, None, current_app.config["EARLIER_LIMIT"])
    session = {
        "token": issue_visitor_token(visitor.public_id),
        "visitor_id": visitor.public_id,
        "conversation_id": conversation.id if conversation else None,
        "state": conversation.state if conversation else "bot",
        "messages": visitor_history(conversation.id, current_app.config["HISTORY_LIMIT"])
        if conversation else [],
        "earlier": {"messages": earlier, "more": more},
        # greeting, suggested_questions, csat_question: the admin's settings for the widget
        **settings.widget_texts(locale),
        "email_replies": mail.configured(),
        "locale": locale,
        "agent_read_up_to": conversation.agent_read_up_to if conversation else None,
        "identified": visitor.external_id is not None,
        "prechat": needs_prechat(visitor),
        "rate_pending": None if conversation else rate_pending(visitor),
    }
    return session, conversation


def latest_conversation(visitor_id: int) -> Conversation | None:
    """The visitor's newest conversation, open or ended (the one a rating is for)."""
    return db.session.scalars(select(Conversation).where(Conversation.visitor_id == visitor_id)
                              .order_by(Conversation.id.desc()).limit(1)).first()


def rate_pending(visitor: Visitor) -> int | None:
    """The visitor's just-closed, unrated conversation, whose rating prompt a reload keeps.

    Only the latest conversation (the one ``rate`` rates), closed by a person or the
    server within RATING_PROMPT_SECONDS; an abandoned chat had nobody to rate.
    """
    latest = latest_conversation(visitor.id)
    if latest is None or not latest.awaits_rating:
        return None
    window = timedelta(seconds=current_app.config["RATING_PROMPT_SECONDS"])
    if latest.closed_at is None or utcnow() - latest.closed_at > window:
        return None
    return latest.id


def _resolve(token, locale: str, identity) -> Visitor:
    """The visitor this connection is: the identity's, the token's, or a new one.

    A token of a signed-in customer is refused without its identity (``identity_required``):
    after the customer signs out of the host site, the next person at that browser must
    not resume their chats.
    """
    known = None
    if token is not None:
        public_id = read_visitor_token(token)
        known = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
        if known is None:
            raise ServiceError("unknown_visitor", "This visitor token names no visitor here.")
    if identity is not None:
        return visitor_of(identity, locale)
    if known is None:
        known = Visitor(locale=locale)
        db.session.add(known)
    elif known.external_id is not None:
        raise ServiceError("identity_required", "This visitor token belongs to a signed-in "
                                                "customer: connect with their identity.")
    return known


def needs_prechat(visitor: Visitor) -> bool:
    """The pre-chat form is on and this anonymous visitor has not given a name and email."""
    return (bool(settings.get("prechat_form")) and visitor.external_id is None
            and not (visitor.name and visitor.email))


def record_page(visitor: Visitor, url: str, title: str | None) -> None:
    """Remember the page the widget was opened on (the latest few, for agents)."""
    pages = [p for p in (visitor.pages or []) if p.get("url") != url]
    pages.append({"url": url, "title": title})
    visitor.pages = pages[-MAX_PAGES:]
    db.session.commit()
