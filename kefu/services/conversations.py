"""Visitor sessions and messages: what happens when a visitor connects and writes.

Every function runs inside an app context (see :mod:`kefu.concurrency`), commits
before it returns and returns plain dicts, so handlers can acknowledge a message
knowing it is stored, and nothing holds a live ORM object across threads.
"""
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, Visitor, utcnow
from kefu.services import routing
from kefu.services.bot_bridge import current_bot
from kefu.services.errors import ServiceError
from kefu.services.markdown import message_html
from kefu.services.tokens import issue_visitor_token, read_visitor_token

log = logging.getLogger(__name__)

OPEN_STATES = ("bot", "waiting", "agent")


def serialize_message(m: Message) -> dict:
    """The wire form of a message (``message`` event and acks)."""
    extra = m.extra or {}
    return {
        "id": m.id,
        "conversation_id": m.conversation_id,
        "sender": m.sender,
        "sender_name": m.sender_user.name if m.sender_user_id and m.sender_user else None,
        "text": m.text,
        "html": message_html(m.sender, m.text),
        "client_msg_id": m.client_msg_id,
        "created_at": m.created_at.isoformat(),
        "reply_to": m.reply_to,
        "intent": m.intent,
        "confidence": m.confidence,
        "action": m.bot_action,
        "suggestions": extra.get("suggestions", []),
        "quick_replies": extra.get("quick_replies", []),
        "links": extra.get("links", []),
        "notice": extra.get("notice") if m.sender == "system" else None,
    }


def open_conversation_of(visitor: Visitor):
    """The visitor's conversation that is not closed, or None."""
    return db.session.scalars(
        select(Conversation)
        .where(Conversation.visitor_id == visitor.id, Conversation.state.in_(OPEN_STATES))
        .order_by(Conversation.id.desc())
        .limit(1)
    ).first()


def history(conversation_id: int, limit: int) -> list:
    """The last ``limit`` messages of a conversation, oldest first."""
    rows = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation_id)
        .order_by(Message.id.desc()).limit(limit)
    ).all()
    return [serialize_message(m) for m in reversed(rows)]


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
        "messages": history(conversation.id, current_app.config["HISTORY_LIMIT"])
        if conversation else [],
        "greeting": i18n.text("greeting", locale),
        "locale": locale,
        "agent_read_up_to": conversation.agent_read_up_to if conversation else None,
    }


def _visitor(public_id: str) -> Visitor:
    visitor = db.session.scalars(select(Visitor).where(Visitor.public_id == public_id)).first()
    if visitor is None:
        raise ServiceError("unknown_visitor", "This visitor no longer exists.")
    return visitor


def _replies_to(conversation_id: int, client_msg_id: str) -> list:
    rows = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.reply_to == client_msg_id).order_by(Message.id)
    ).all()
    return [serialize_message(m) for m in rows]


def message_by_client_id(conversation_id: int, client_msg_id: str):
    """The message a client already sent with this id in this conversation, or None."""
    return db.session.scalars(select(Message).where(
        Message.conversation_id == conversation_id,
        Message.client_msg_id == client_msg_id)).first()


def _duplicate(existing: Message) -> dict:
    """A resent visitor message: what was stored the first time, answered once."""
    return {"message": serialize_message(existing), "duplicate": True,
            "replies": _replies_to(existing.conversation_id, existing.client_msg_id),
            "conversation": conversation_summary(existing.conversation)}


def post_visitor_message(public_id: str, client_msg_id: str, text: str,
                         intent: str | None = None) -> dict:
    """Store a visitor message (once per client_msg_id), then let the bot answer.

    Returns ``{"message", "duplicate", "replies", "conversation"}``.  The visitor
    message is committed before the bot is asked, so a bot failure never loses it.
    """
    visitor = _visitor(public_id)
    conversation = open_conversation_of(visitor)
    if conversation is not None:
        existing = message_by_client_id(conversation.id, client_msg_id)
        if existing is not None:
            return _duplicate(existing)
    else:
        conversation = Conversation(visitor=visitor, state="bot")
        db.session.add(conversation)
        db.session.flush()
        _record(conversation, "created", None, "bot", "visitor")
    message = Message(conversation=conversation, sender="visitor", text=text,
                      client_msg_id=client_msg_id)
    db.session.add(message)
    visitor.last_seen = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # the same client_msg_id raced in from another tab
        db.session.rollback()
        return _duplicate(message_by_client_id(conversation.id, client_msg_id))
    stored = serialize_message(message)
    replies = []
    if conversation.state == "bot":
        try:
            replies = bot_reply(conversation, message, visitor.locale, intent)
        except Exception:  # the visitor's message is stored; a person takes over
            log.exception("bot failed on message %s", message.id)
            db.session.rollback()
            replies = routing.escalate(conversation, "bot_error", visitor.locale,
                               text_key="bot_unavailable", reply_to=client_msg_id)
    return {"message": stored, "duplicate": False, "replies": replies,
            "conversation": conversation_summary(conversation)}


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
                                decision.language, reply_to=message.client_msg_id,
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
