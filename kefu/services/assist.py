"""Agent assist: while an agent holds a chat, the bot drafts a reply for the agent only.

The bot stays silent to the visitor in state ``agent``, but it still reads each visitor
message: its top intents and its answer, in the visitor's language, become a draft
stored with the message (``Message.extra["assist"]``) and shown to the agent holding
the chat and its watchers.  The draft is never in the visitor's wire form
(:func:`kefu.services.wire.serialize_message` names its fields one by one), so no
visitor path can leak it; agents read it from :func:`draft_of` in the detail and from
the ``assist`` event.

When the agent's reply is sent, the drafts it answers are settled once: the one the
reply names (``draft_for``) as ``as_is`` or ``edited``, the others ``ignored``.  Each is
an ``assist`` :class:`~kefu.models.ConversationEvent` whose ``reason`` is the use, so
reports count drafts with one query on the audit trail.
"""
import logging

from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services import lifecycle
from kefu.services.errors import ServiceError
from kefu.services.markdown import markdown_text

log = logging.getLogger(__name__)

#: How an agent used a draft: the event ``reason`` of an ``assist`` event.
USES = ("as_is", "edited", "ignored")
#: The event kind reports count.
EVENT_KIND = "assist"


def compose(bot, text: str, locale: str) -> dict | None:
    """The bot's draft for ``text``: top intents, answer and confidence; None if it has none.

    Asked through ``bot``'s public interface only (``decide``, ``classify``,
    ``answer_intent``, ``intent_title``), so a better model changes nothing here.  The
    answer is the decision's when the bot would answer, else the top intent's: a draft
    is a suggestion to a person, who judges it, so a "did you mean" still drafts its
    likeliest answer.  A handoff intent (a complaint) has no answer to draft.
    """
    decision = bot.decide(text, locale=locale)
    language = decision.language
    top, confidence = bot.classify(text)
    intents = [{"intent": intent, "title": bot.intent_title(intent, language),
                "confidence": round(float(p), 4)} for intent, p in top[:3]]
    answer = decision if decision.action == "answer" else None
    if answer is None and intents:
        try:
            picked = bot.answer_intent(intents[0]["intent"], locale=language)
        except KeyError:
            picked = None
        answer = picked if picked is not None and picked.action == "answer" else None
    if answer is None or not answer.text:
        return None
    return {"intent": answer.intent, "confidence": round(float(confidence), 4),
            "language": language, "text": markdown_text(answer.text), "intents": intents}


def draft(conversation: Conversation, message: Message, locale: str, bot) -> dict | None:
    """Draft a reply to the visitor ``message`` of a chat an agent holds; store it.

    The bot thinks while this call holds no database connection (the transaction is
    committed first).  A bot failure drafts nothing: assist is a courtesy to the agent,
    and the visitor's message is stored already.  Returns the ``assist`` event's
    payload, or None.  Commits.
    """
    if conversation.state != "agent" or message.sender != "visitor" or bot is None:
        return None
    text, conversation_id, message_id = message.text, conversation.id, message.id
    db.session.commit()
    try:
        made = compose(bot, text, locale)
    except Exception:
        log.exception("the bot could not draft a reply to message %s", message_id)
        return None
    if made is None:
        return None
    message.extra = {**(message.extra or {}), "assist": made}
    db.session.commit()
    return {"conversation_id": conversation_id, "message_id": message_id, "draft": made}


def draft_of(message: Message) -> dict | None:
    """The stored draft of a visitor message (with its use once settled), for agents only."""
    if message.sender != "visitor":
        return None
    return (message.extra or {}).get("assist")


def named_draft(conversation_id: int, draft_for: int | None) -> Message | None:
    """The visitor message whose draft a reply names; ``not_found`` when it has none."""
    if draft_for is None:
        return None
    message = db.session.get(Message, draft_for)
    if message is None or message.conversation_id != conversation_id \
            or draft_of(message) is None:
        raise ServiceError("not_found", "There is no draft for that message in this "
                                        "conversation.")
    return message


def settle(conversation_id: int, reply: Message, named: Message | None,
           actor: lifecycle.Actor) -> list:
    """Record what the agent's ``reply`` made of the drafts it answers (the caller commits).

    The drafts still open are those of the visitor messages since the agent side's
    previous reply (earlier ones were settled by it).  The named one is ``as_is`` when
    the reply's text is the draft's, ``edited`` otherwise; the rest are ``ignored``.
    A draft is settled once: naming one that is settled already records nothing more.
    Returns the uses recorded, ``[(message id, use)]``.
    """
    previous = db.session.scalars(
        select(Message.id).where(Message.conversation_id == conversation_id,
                                 Message.sender == "agent", Message.id != reply.id)
        .order_by(Message.id.desc()).limit(1)).first() or 0
    open_drafts = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation_id,
                              Message.sender == "visitor", Message.id > previous)
        .order_by(Message.id)).all()
    candidates = [m for m in open_drafts if draft_of(m) is not None]
    if named is not None and named not in candidates:
        candidates.append(named)
    recorded = []
    for message in candidates:
        stored = draft_of(message)
        if stored.get("use"):
            continue
        if message is named:
            use = "as_is" if reply.text.strip() == stored["text"].strip() else "edited"
        else:
            use = "ignored"
        message.extra = {**message.extra, "assist": {**stored, "use": use,
                                                     "reply_id": reply.id}}
        lifecycle.record(conversation_id, EVENT_KIND, actor, use,
                         data={"message_id": message.id, "reply_id": reply.id,
                               "intent": stored.get("intent"),
                               "confidence": stored.get("confidence")})
        recorded.append((message.id, use))
    return recorded
