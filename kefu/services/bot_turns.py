"""The bot's turn: ask the classifier about a visitor message and store its answer.

While the bot owns a conversation each visitor message gets one bot turn: an answer, a
"did you mean" prompt, or a handoff to a person (:mod:`kefu.services.escalation`).  The
turn is stored at most once per message, however many resends race (:func:`claim_reply`),
and a bot failure hands the chat to a person instead of losing the message.
"""
import logging

from sqlalchemy import select, update

from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services import escalation, lifecycle
from kefu.services.bot_bridge import current_bot
from kefu.services.wire import serialize_message

log = logging.getLogger(__name__)


def claim_reply(message_id: int) -> bool:
    """Mark a visitor message answered; True for the one caller whose UPDATE changed it.

    The claim is committed together with the reply (by :func:`bot_reply` or
    :func:`kefu.services.escalation.escalate`), so a crash before the reply leaves the
    message unanswered and a rival resend blocks on the row, then finds it answered.
    """
    return db.session.execute(
        update(Message).where(Message.id == message_id, Message.answered.is_(False))
        .values(answered=True).execution_options(synchronize_session=False)).rowcount == 1


def ready_bot():
    """The current bot, or None when it cannot be loaded (the turn then hands off).

    Callers fetch it before their first query: the first load (or a reload after
    training) takes a while, and requests waiting for it must not hold the database
    connections every other request needs.
    """
    try:
        return current_bot()
    except Exception:  # answer() escalates with bot_error when it tries again
        log.exception("the bot could not be loaded")
        return None


def answer(conversation: Conversation, message: Message, locale: str,
           intent: str | None, bot=None) -> list:
    """The bot's reply to ``message`` while the bot owns the chat, stored at most once.

    The bot thinks while this call holds no database connection (the transaction is
    committed first): under load, classification takes a while, and requests waiting
    for it must not hold the connections every other request needs.  Then the reply
    is claimed and stored in one transaction.
    """
    if conversation.state != "bot" or message.answered:
        return []
    message_id, client_msg_id = message.id, message.client_msg_id
    decision, guesses = think(bot, conversation.id, message.text, locale, intent)
    return claim_and_store(conversation, message_id, client_msg_id, decision, guesses)


def think(bot, conversation_id: int, text: str, locale: str, intent: str | None):
    """``(decision, guesses)`` for a visitor text; ``(None, None)`` when the bot failed.

    Reads the suggestion streak, then commits, so the bot thinks while this session
    holds no database connection (and, on SQLite, no write lock).
    """
    streak = consecutive_suggestions(conversation_id)
    db.session.commit()
    try:
        bot = bot or current_bot()
        decision = verdict(bot, text, locale, intent, streak)
        guesses = top_guesses(bot, text, decision.language) \
            if decision.action == "escalate" else None
        return decision, guesses
    except Exception:  # the visitor's message is stored (or will be); a person takes over
        log.exception("bot failed on a message of conversation %s", conversation_id)
        return None, None


def claim_and_store(conversation: Conversation, message_id: int, client_msg_id: str,
                    decision, guesses) -> list:
    """Claim the stored visitor message ``message_id`` and store the turn ``think`` decided."""
    if not claim_reply(message_id) or conversation.state != "bot":
        db.session.rollback()
        return []
    if decision is None:
        return escalation.escalate(conversation, "bot_error", text_key="bot_unavailable",
                                   reply_to=client_msg_id)
    return store_turn(conversation, client_msg_id, decision, guesses)


def verdict(bot, text: str, locale: str, intent: str | None, streak: int):
    """What the bot makes of a message: the tapped suggestion's answer, else its decision."""
    if intent is not None:
        try:
            return bot.answer_intent(intent, locale=locale)
        except KeyError:
            pass  # unknown suggestion id: classify the text instead
    return bot.decide(text, locale=locale, consecutive_suggestions=streak)


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


def store_turn(conversation: Conversation, reply_to: str, decision, guesses) -> list:
    """Store the bot's reply (or hand off, as the decision says); commits."""
    if decision.action == "escalate":
        return escalation.escalate(conversation, decision.reason or "low_confidence",
                                   reply_to=reply_to, decision=decision, guesses=guesses,
                                   actor=lifecycle.BOT)
    reply = reply_message(conversation, reply_to, decision)
    db.session.commit()
    return [serialize_message(reply)]


def reply_message(conversation: Conversation, reply_to: str, decision) -> Message:
    """The bot's answer as a new row in the session (not committed): not for handoffs."""
    reply = Message(
        conversation=conversation, sender="bot", text=decision.text,
        reply_to=reply_to, intent=decision.intent,
        confidence=round(float(decision.confidence), 4), bot_action=decision.action,
        extra=decision_extra(decision),
    )
    db.session.add(reply)
    return reply


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


def decision_extra(decision) -> dict:
    """What a bot message keeps of the decision besides its text: for the widget's buttons."""
    d = decision.to_dict()
    return {
        "language": d.get("language"),
        "suggestions": list(d.get("suggestions") or []),
        "quick_replies": list(d.get("quick_replies") or []),
        "links": list(d.get("links") or []),
    }
