"""Visitor sessions and messages: what happens when a visitor connects and writes.

Every function runs inside an app context (see :mod:`kefu.concurrency`), commits
before it returns and returns plain dicts, so handlers can acknowledge a message
knowing it is stored, and nothing holds a live ORM object across threads.
"""
import logging

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import OPEN_STATES, Conversation, ConversationEvent, Message, Visitor, utcnow
from kefu.services import language, mail, routing, settings
from kefu.services.bot_bridge import current_bot
from kefu.services.errors import ServiceError
from kefu.services.tokens import issue_visitor_token, read_visitor_token
from kefu.services.visitor_history import visitor_history
from kefu.services.wire import serialize_message  # noqa: F401  (re-exported for the services)

log = logging.getLogger(__name__)

#: Attempts at finding or opening the visitor's conversation when others race to open it.
OPEN_ATTEMPTS = 5


def open_conversation_of(visitor: Visitor):
    """The visitor's conversation that is not closed, or None (the database allows one)."""
    return db.session.scalars(
        select(Conversation)
        .where(Conversation.visitor_id == visitor.id, Conversation.state.in_(OPEN_STATES))
        .order_by(Conversation.id.desc())
        .limit(1)
    ).first()


def open_or_create_conversation(visitor: Visitor) -> Conversation:
    """The visitor's open conversation, opened (and committed) if there is none.

    Concurrent first messages of a new visitor all get here at once; the partial
    unique index ``uq_conversations_one_open_per_visitor`` lets one INSERT win and the
    others fail with IntegrityError, after which they read the winner's conversation.
    """
    visitor_id = visitor.id
    for _ in range(OPEN_ATTEMPTS):
        conversation = open_conversation_of(visitor)
        if conversation is not None:
            return conversation
        conversation = Conversation(visitor_id=visitor_id, state="bot")
        db.session.add(conversation)
        try:
            db.session.flush()
            _record(conversation, "created", None, "bot", "visitor")
            db.session.commit()
            return conversation
        except IntegrityError:  # another request opened it first: read theirs
            db.session.rollback()
    raise ServiceError("internal_error", "Could not open a conversation; please resend.")


def open_visitor_session(token, locale: str, user_agent: str | None) -> dict:
    """Resume the visitor named by ``token`` or create a new one.

    A token that is present but forged, expired or unknown raises ServiceError: the
    caller must refuse the connection rather than hand out a fresh identity silently.
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
    conversation = open_conversation_of(visitor)
    return {
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


def _visitor(public_id: str) -> Visitor:
    visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
    if visitor is None:
        raise ServiceError("unknown_visitor", "This visitor no longer exists.")
    return visitor


def message_by_client_id(conversation_id: int, client_msg_id: str):
    """The message an agent already sent with this id in this conversation, or None.

    Only desk rows (no ``visitor_id``): the visitor's ids are its own, so an agent's
    message is never mistaken for a resend of the visitor's, nor the other way round.
    """
    return db.session.scalars(select(Message).where(
        Message.conversation_id == conversation_id, Message.visitor_id.is_(None),
        Message.client_msg_id == client_msg_id)).first()


def visitor_message_by_client_id(visitor_id: int, client_msg_id: str):
    """The message this visitor already sent with this id, in any conversation, or None."""
    return db.session.scalars(select(Message).where(
        Message.visitor_id == visitor_id, Message.client_msg_id == client_msg_id)).first()


def _resent(existing: Message, locale: str, intent: str | None) -> dict:
    """A resent visitor message: stored once; answered now if its answer was lost.

    A crash between storing a message and storing the bot's reply leaves the message
    unanswered; while the bot still owns the conversation, the resend gets the reply
    (once: :func:`_answer` claims it).  ``replies`` holds only replies made now.
    """
    conversation = existing.conversation
    replies = _answer(conversation, existing, locale, intent)
    return {"message": serialize_message(existing), "duplicate": True, "replies": replies,
            "answered_now": bool(replies), "conversation": conversation_summary(conversation)}


def post_visitor_message(public_id: str, client_msg_id: str, text: str,
                         intent: str | None = None) -> dict:
    """Store a visitor message (once per visitor and client_msg_id), then let the bot answer.

    Returns ``{"message", "duplicate", "replies", "answered_now", "conversation"}``.  The
    visitor message is committed before the bot is asked, so a bot failure never loses it.
    """
    visitor = _visitor(public_id)
    visitor_id, locale = visitor.id, visitor.locale
    existing = visitor_message_by_client_id(visitor_id, client_msg_id)
    if existing is not None:
        return _resent(existing, locale, intent)
    conversation = open_or_create_conversation(visitor)
    message = Message(conversation=conversation, visitor_id=visitor_id, sender="visitor",
                      text=text, client_msg_id=client_msg_id, answered=False)
    db.session.add(message)
    language.note_visitor_text(conversation, text)
    visitor.last_seen = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # the same client_msg_id raced in from another tab
        db.session.rollback()
        existing = visitor_message_by_client_id(visitor_id, client_msg_id)
        if existing is None:
            raise
        return _resent(existing, locale, intent)
    stored = serialize_message(message)
    replies = _answer(conversation, message, locale, intent)
    return {"message": stored, "duplicate": False, "replies": replies, "answered_now": False,
            "conversation": conversation_summary(conversation)}


def _claim_reply(message_id: int) -> bool:
    """Mark a visitor message answered; True for the one caller whose UPDATE changed it.

    The claim is committed together with the reply (by :func:`bot_reply` or
    ``routing.escalate``), so a crash before the reply leaves the message unanswered
    and a rival resend blocks on the row, then finds it answered.
    """
    return db.session.execute(
        update(Message).where(Message.id == message_id, Message.answered.is_(False))
        .values(answered=True).execution_options(synchronize_session=False)).rowcount == 1


def _answer(conversation: Conversation, message: Message, locale: str,
            intent: str | None) -> list:
    """The bot's reply to ``message`` while the bot owns the chat, stored at most once."""
    if conversation.state != "bot" or message.answered:
        return []
    message_id, client_msg_id = message.id, message.client_msg_id
    if not _claim_reply(message_id):
        db.session.rollback()
        return []
    try:
        return bot_reply(conversation, message, locale, intent)
    except Exception:  # the visitor's message is stored; a person takes over
        log.exception("bot failed on message %s", message_id)
        db.session.rollback()
        if not _claim_reply(message_id):
            db.session.rollback()
            return []
        return routing.escalate(conversation, "bot_error", locale,
                                text_key="bot_unavailable", reply_to=client_msg_id)


def consecutive_suggestions(conversation_id: int) -> int:
    """How many of the latest bot turns in a row were "did you mean" prompts."""
    actions = db.session.scalars(
        select(Message.bot_action).where(Message.conversation_id == conversation_id,
                                         Message.sender == "bot")
        .order_by(Message.id.desc()).limit(5)
    ).all()
    count = 0
    for action in actions:
        if action != "suggest":
            break
        count += 1
    return count


def bot_reply(conversation: Conversation, message: Message, locale: str,
              intent: str | None = None) -> list:
    """Ask the bot about ``message`` and store what it says (or escalate)."""
    bot = current_bot()
    decision = None
    if intent is not None:
        try:
            decision = bot.answer_intent(intent, locale=locale)
        except KeyError:
            decision = None  # unknown suggestion id: classify the text instead
    if decision is None:
        decision = bot.decide(message.text, locale=locale,
                              consecutive_suggestions=consecutive_suggestions(conversation.id))
    if decision.action == "escalate":
        return routing.escalate(conversation, decision.reason or "low_confidence",
                                reply_to=message.client_msg_id,
                                decision=decision,
                                guesses=top_guesses(bot, message.text, decision.language))
    reply = Message(
        conversation=conversation, sender="bot", text=decision.text,
        reply_to=message.client_msg_id, intent=decision.intent,
        confidence=round(float(decision.confidence), 4), bot_action=decision.action,
        extra=_decision_extra(decision),
    )
    db.session.add(reply)
    db.session.commit()
    return [serialize_message(reply)]


def top_guesses(bot, text: str, lang: str) -> list:
    """The bot's three likeliest intents for ``text`` (shown to the agent at a handoff)."""
    classify = getattr(bot, "classify", None)
    if classify is None:
        return []
    try:
        top, _ = classify(text)
        return [{"intent": intent, "title": bot.intent_title(intent, lang),
                 "confidence": round(float(p), 4)} for intent, p in top[:3]]
    except Exception:  # guesses are a courtesy to the agent; the handoff must not fail
        log.exception("could not classify for the handoff guesses")
        return []


def _decision_extra(decision) -> dict:
    d = decision.to_dict()
    return {
        "language": d.get("language"),
        "suggestions": list(d.get("suggestions") or []),
        "quick_replies": list(d.get("quick_replies") or []),
        "links": list(d.get("links") or []),
    }


def _record(conversation, kind, from_state, to_state, actor_kind, *, actor_user_id=None,
            reason=None, data=None):
    db.session.add(ConversationEvent(
        conversation_id=conversation.id, kind=kind, from_state=from_state, to_state=to_state,
        actor_kind=actor_kind, actor_user_id=actor_user_id, reason=reason, data=data,
    ))


def conversation_summary(conversation: Conversation) -> dict:
    """The ``conversation`` event a visitor gets: state, agent, queue place, offline."""
    return routing.visitor_view(conversation)
