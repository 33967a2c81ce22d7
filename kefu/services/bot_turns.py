"""The bot's turn: what the bot makes of a visitor message, and storing what it says.

Each visitor message gets at most one bot turn while the bot owns the conversation or
the visitor waits for a person: the bot's verdict (``bot.FaqBot.decide``) goes through
the conversation policy (:mod:`kefu.services.policy`), which picks an answer, a
clarifying question, a polite off-topic reply, small talk, a handoff
(:mod:`kefu.services.escalation`) or silence.  The turn is stored at most once per
message however many resends race (:func:`claim_reply`), and a bot failure hands the
chat to a person instead of losing the message.
"""
import logging
from datetime import timedelta
from pathlib import Path

from sqlalchemy import bindparam, func, or_, select, update

from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, Message, lock_conversation, utcnow
from kefu.services import escalation, inbox, lifecycle, policy, queue, settings
from kefu.services.bot_bridge import current_bot
from kefu.services.notices import system_notice
from kefu.services.wire import serialize_message

log = logging.getLogger(__name__)

#: States in which the bot takes a turn (silent in ``agent``: a person holds the chat).
BOT_STATES = ("bot", "waiting")
#: How many topics "I can help with ..." lists, and how far back "most asked" looks.
TOPICS = 4
TOPIC_DAYS = 30


def claim_reply(message_id: int) -> bool:
    """Mark a visitor message answered; True for the one caller whose UPDATE changed it.

    The claim is committed together with the reply (by :func:`store_turn` or
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
           intent: str | None, bot=None, verdict=None) -> list:
    """The bot's turn on ``message`` (in ``bot`` or ``waiting``), stored at most once.

    The bot thinks while this call holds no database connection (the transaction is
    committed first): under load, classification takes a while, and requests waiting
    for it must not hold the connections every other request needs.  Then the reply
    is claimed and stored in one transaction.  Returns the stored replies in wire form.
    ``verdict``: the bot's verdict on this message's text, when the Core path
    (:mod:`kefu.services.answered_turn`) already asked it and declined.
    """
    state = conversation.state
    if state not in BOT_STATES or message.answered:
        return []
    message_id, client_msg_id, text = message.id, message.client_msg_id, message.text
    rules = policy.Rules.current()
    turns = last_turns(conversation.id) if state == "bot" else []
    misses = misses_in_a_row(turns)
    db.session.commit()
    try:
        bot = bot or current_bot()
        if verdict is None:
            verdict = verdict_of(bot, text, locale, intent)
        turn = policy.bot_turn(verdict, misses=misses, rules=rules) \
            if state == "bot" else policy.waiting_turn(verdict, rules=rules)
        if turn.action == "handoff" and turn.reason not in policy.ASKED_FOR:
            # Only a handoff the bot starts depends on whether anyone can take the chat:
            # asked here, not on every message.
            offline = queue.offline_reason()
            db.session.commit()  # end the read before the claim writes (SQLite snapshots)
            turn = policy.bot_turn(verdict, misses=misses, rules=rules, offline=offline)
        guesses = top_guesses(bot, text, verdict.language) if turn.action == "handoff" else None
    except Exception:  # the visitor's message is stored; a person takes over
        log.exception("bot failed on message %s", message_id)
        verdict = turn = guesses = None
        if state != "bot":
            return []  # already waiting for a person: nothing more to do
    if turn is not None and turn.action == "silent":
        return []
    lock_conversation(db.session.connection(), conversation.id)  # before the line: one order
    if not claim_reply(message_id) or conversation.state != state:
        db.session.rollback()
        return []
    if turn is None:
        return escalation.escalate(conversation, "bot_error", text_key="bot_unavailable",
                                   reply_to=client_msg_id)
    offer = open_offer(turns)
    if offer is not None:  # the visitor tapped one of the offered intents, or rephrased
        inbox.take_offer(offer, {intent, verdict.intent if turn.action == "answer" else None})
    return store_turn(conversation, client_msg_id, verdict, turn, bot=bot, guesses=guesses,
                      waiting=state == "waiting")


def verdict_of(bot, text: str, locale: str, intent: str | None):
    """What the bot makes of a message: the tapped suggestion's answer, else its decision."""
    if intent is not None:
        try:
            return bot.answer_intent(intent, locale=locale)
        except KeyError:
            pass  # unknown suggestion id: classify the text instead
    return bot.decide(text, locale=locale)


#: The statement of :func:`last_turns`, built once: every answered message runs it, and
#: building it (ORM attributes, coercions) cost more than running it.
_LAST_TURNS = (select(Message.__table__.c.id, Message.__table__.c.sender,
                      Message.__table__.c.bot_action)
               .where(Message.__table__.c.conversation_id == bindparam("conversation_id"),
                      # equalities, not IN: an IN list is expanded on every execution
                      or_(Message.__table__.c.sender == "bot",
                          Message.__table__.c.sender == "system"))
               .order_by(Message.__table__.c.id.desc()).limit(20))


def last_turns(conversation_id: int, connection=None) -> list:
    """``[(id, sender, bot action)]`` of the conversation's latest bot and system lines,
    newest first: what the policy counts (:func:`misses_in_a_row`) and whether the bot's
    turn follows an offer (:func:`open_offer`), in one read.  ``connection``: run it
    there (Core, as the answered-turn path does) instead of through the session."""
    return (connection or db.session).execute(
        _LAST_TURNS, {"conversation_id": conversation_id}).all()


def misses_in_a_row(turns: list) -> int:
    """Clarifying bot turns in a row just before now (small talk and off-topic replies
    neither count nor break the row; an answer or a system notice ends it)."""
    count = 0
    for _, sender, action in turns:
        if sender == "system" or action not in policy.MISSES + policy.NEUTRAL:
            break
        count += action in policy.MISSES
    return count


def open_offer(turns: list) -> int | None:
    """The id of the "did you mean" offer the bot's turn now follows, if it does."""
    if turns and turns[0][1] == "bot" and turns[0][2] == "suggest":
        return turns[0][0]
    return None


def store_turn(conversation: Conversation, reply_to: str, verdict, turn, *, bot,
               guesses=None, waiting=False) -> list:
    """Store what the turn says (or hand off, or offer the form); commits."""
    if turn.action == "handoff":
        return escalation.escalate(conversation, turn.reason, reply_to=reply_to,
                                   decision=verdict, guesses=guesses, actor=lifecycle.BOT)
    if turn.action == "offer_form":
        # The handoff it stands for is kept: a repeated miss offered the form is still a
        # question the bot could not place (the learning inbox reads it).
        offer = system_notice(conversation, f"offline_{turn.reason}",
                              extra={"offline": turn.reason, "form": "leave_message",
                                     "offered": True, "reason": turn.stands_for})
        offer.reply_to, offer.bot_action = reply_to, "offer_form"
        db.session.commit()
        return [serialize_message(offer)]
    reply = Message(conversation=conversation, sender="bot", reply_to=reply_to,
                    **reply_values(verdict, turn, bot=bot, waiting=waiting))
    db.session.add(reply)
    db.session.commit()
    return [serialize_message(reply)]


#: The turns :func:`reply_values` writes: one bot line, no handoff, no form.
SAID = ("answer", "suggest", "clarify", "offtopic", "small_talk")


def reply_values(verdict, turn, *, bot, waiting=False) -> dict:
    """The columns of the bot's line for a turn in :data:`SAID` (besides its conversation
    and ``reply_to``): one recipe for the ORM path and the Core one
    (:mod:`kefu.services.answered_turn`), so both store the same line."""
    lang = verdict.language
    extra = decision_extra(verdict)
    text, suggestions = verdict.text, extra["suggestions"]
    if turn.action == "answer":
        extra["while_waiting"] = waiting
    elif turn.action == "suggest":
        text = verdict.text if verdict.action == "suggest" else i18n.text("clarify_suggest", lang)
        suggestions = [{"intent": s.intent, "title": s.title, "confidence": float(s.confidence)}
                       for s in verdict.ranked[:3]] or suggestions
    elif turn.action in ("clarify", "offtopic"):
        text = i18n.text(turn.action, lang)
        suggestions = topics(bot, lang)
    else:  # small talk
        text = i18n.text("small_talk", lang)
        suggestions = []
    if turn.action != "answer":
        extra.update(quick_replies=[], links=[], offer_human=turn.action != "small_talk")
    extra["suggestions"] = suggestions
    return {"text": text, "intent": verdict.intent if turn.action in ("answer", "suggest")
            else None, "confidence": round(float(verdict.confidence), 4),
            "bot_action": turn.action, "extra": extra}


def topics(bot, lang: str) -> list:
    """The topics "I can help with ..." offers: the setting, else the most asked answers.

    Only answerable intents qualify: no handoff intents and no small talk.  With too
    little history, the FAQ's own order fills the list.
    """
    eligible = {i.id: i for i in bot.intents
                if not i.handoff and Path(i.source or "").stem != "smalltalk"}
    chosen = [i for i in (settings.get("clarify_topics") or []) if i in eligible]
    if not chosen:
        since = utcnow() - timedelta(days=TOPIC_DAYS)
        asked = db.session.execute(
            select(Message.intent, func.count(Message.id))
            .where(Message.sender == "bot", Message.bot_action == "answer",
                   Message.intent.is_not(None), Message.created_at >= since)
            .group_by(Message.intent).order_by(func.count(Message.id).desc()).limit(50)).all()
        chosen = [i for i, _ in asked if i in eligible]
        chosen += [i for i in eligible if i not in chosen]
    return [{"intent": i, "title": bot.intent_title(i, lang), "confidence": None}
            for i in chosen[:TOPICS]]


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
    """What a bot message keeps of the decision besides its text: for the widget's buttons.

    The fields as ``Decision.to_dict`` gives them, read directly: ``to_dict`` copies the
    whole decision (``dataclasses.asdict``), a tenth of a millisecond per message.
    """
    return {
        "language": decision.language,
        "suggestions": [{"intent": s.intent, "title": s.title, "confidence": float(s.confidence)}
                        for s in decision.suggestions],
        "quick_replies": list(decision.quick_replies),
        "links": [dict(link) for link in decision.links],
    }
