"""The way from the bot to a person: escalation, the queue, expected waits, auto-assign.

A conversation leaves the bot (``bot`` -> ``waiting``) for one of :data:`REASONS`; the
reason is stored on the ``escalated`` ConversationEvent (and on the conversation for
the cards) so reports can break handoffs down.
"""
import math
import statistics
from datetime import timedelta

from sqlalchemy import select

from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, Visitor, utcnow
from kefu.services import agents, conversations, settings
from kefu.services.errors import ServiceError
from kefu.services.language import notice_language

REASONS = ("low_confidence", "handoff_intent", "visitor_request", "repeated_miss", "bot_error")
WAIT_SAMPLE = 50  # recent claims the expected wait is the median of
WAIT_MIN_SAMPLES = 3


def offline_reason():
    """``after_hours``, ``no_agents`` or None when someone can take a chat now."""
    if not settings.within_business_hours():
        return "after_hours"
    if not agents.online_agent_ids():
        return "no_agents"
    return None


def wait_per_place() -> float:
    """Seconds one place in the queue takes: the median of recent waits, else the setting."""
    since = utcnow() - timedelta(days=7)
    rows = db.session.scalars(
        select(ConversationEvent.data).where(ConversationEvent.kind == "claimed",
                                             ConversationEvent.created_at >= since)
        .order_by(ConversationEvent.id.desc()).limit(WAIT_SAMPLE)).all()
    waits = [d["waited_seconds"] for d in rows
             if isinstance(d, dict) and isinstance(d.get("waited_seconds"), (int, float))]
    if len(waits) >= WAIT_MIN_SAMPLES:
        return max(1.0, statistics.median(waits))
    return float(settings.get("default_wait_seconds"))


class QueueInfo:
    """Positions and the expected wait of every waiting conversation, computed once."""

    def __init__(self):
        self.order = [c.id for c in db.session.scalars(
            select(Conversation).where(Conversation.state == "waiting")
            .order_by(Conversation.escalated_at, Conversation.id))]
        self.per_place = wait_per_place()
        self.servers = max(1, len(agents.online_agent_ids()))
        self.offline = offline_reason()

    def queue(self, conversation_id: int):
        """``{"position", "expected_wait_seconds"}`` or None when not waiting."""
        if conversation_id not in self.order:
            return None
        position = self.order.index(conversation_id) + 1
        return {"position": position,
                "expected_wait_seconds": int(math.ceil(self.per_place * position / self.servers))}


def visitor_view(conversation: Conversation, info: QueueInfo | None = None) -> dict:
    """The ``conversation`` event a visitor gets (docs/protocol.md, protocol 2)."""
    waiting = conversation.state == "waiting"
    if waiting and info is None:
        info = QueueInfo()
    offline = info.offline if waiting else None
    return {
        "id": conversation.id,
        "state": conversation.state,
        "agent": {"name": conversation.assigned_agent.name}
        if conversation.state == "agent" and conversation.assigned_agent_id else None,
        "queue": info.queue(conversation.id) if waiting else None,
        "offline": {"reason": offline} if offline else None,
        "can_rate": conversation.state == "closed" and conversation.rating is None,
        "agent_read_up_to": conversation.agent_read_up_to,
    }


def waiting_visitor_views() -> list:
    """``(visitor public id, view)`` for every waiting conversation: the queue moved."""
    info = QueueInfo()
    if not info.order:
        return []
    rows = db.session.execute(  # the visitor's public id in the same query, not one per chat
        select(Conversation, Visitor.public_id).join(Visitor, Visitor.id == Conversation.visitor_id)
        .where(Conversation.id.in_(info.order))).all()
    return [(public_id, visitor_view(c, info)) for c, public_id in rows]


def escalate(conversation: Conversation, reason: str, *, reply_to=None,
             decision=None, guesses=None, text_key: str = "handoff",
             actor_kind: str = "bot") -> list:
    """Move a bot conversation to the waiting queue and tell the visitor where they stand.

    ``guesses`` (the bot's top intents) are kept on the event for the agent when the
    decision has no suggestions of its own.  Stores the handoff notice and a second notice with the place in the queue and the
    expected wait, or, when nobody can chat now, the offer to leave a message, in the
    conversation's language (:mod:`kefu.services.language`).  The
    conversation waits in the queue either way.  Returns the stored notices.
    """
    previous = conversation.state
    conversation.state = "waiting"
    conversation.escalated_at = utcnow()
    conversation.assigned_agent_id = None
    conversation.handoff_reason = reason
    data = None
    if decision is not None:  # the bot's view, for the agent: its suggestions, else guesses
        data = {"intent": decision.intent, "confidence": float(decision.confidence),
                "suggestions": (list(decision.to_dict().get("suggestions") or [])
                                or list(guesses or []))[:3]}
    conversations._record(conversation, "escalated", previous, "waiting", actor_kind,
                          reason=reason, data=data)
    lang = notice_language(conversation)
    text, notice = i18n.notice(text_key, lang)
    note = Message(conversation=conversation, sender="system", text=text,
                   reply_to=reply_to, bot_action="escalate",
                   intent=decision.intent if decision else None,
                   confidence=round(float(decision.confidence), 4) if decision else None,
                   extra={"reason": reason, "notice": notice})
    db.session.add(note)
    db.session.flush()
    info = QueueInfo()
    if info.offline:
        text, notice = i18n.notice(f"offline_{info.offline}", lang)
        place = Message(conversation=conversation, sender="system", reply_to=reply_to,
                        text=text, extra={"offline": info.offline, "form": "leave_message",
                                          "notice": notice})
    else:
        queue = info.queue(conversation.id)
        text, notice = i18n.notice(
            "queue_place", lang, position=queue["position"],
            minutes=max(1, round(queue["expected_wait_seconds"] / 60)))
        place = Message(conversation=conversation, sender="system", reply_to=reply_to,
                        text=text, extra={"queue": queue, "notice": notice})
    db.session.add(place)
    db.session.commit()
    return [conversations.serialize_message(note), conversations.serialize_message(place)]


def request_human(public_id: str) -> dict:
    """The visitor asks for a person: open a conversation if needed and escalate it.

    Asking again while waiting or talking to an agent changes nothing.  Returns
    ``{"conversation": view, "messages": [...], "escalated": bool}``.
    """
    visitor = conversations._visitor(public_id)
    conversation = conversations.open_or_create_conversation(visitor)
    messages = []
    escalated = conversation.state == "bot"
    if escalated:
        messages = escalate(conversation, "visitor_request", actor_kind="visitor")
    db.session.commit()
    return {"conversation": visitor_view(conversation), "messages": messages,
            "escalated": escalated}


def auto_assign() -> list:
    """With auto-assign on: give the oldest waiting chats to the least busy online agents.

    An agent is never given more than ``max_chats_per_agent`` open chats.  Each
    assignment is a claim (the same conditional UPDATE), so it cannot collide with a
    manual claim in another process.  Returns the claim results.
    """
    from kefu.services import handoff, returning_agent

    results = returning_agent.assign_returning()  # before the queue: the same agent again
    if not settings.get("auto_assign"):
        return results
    limit = settings.get("max_chats_per_agent")
    for _ in range(200):
        online = agents.online_agent_ids()
        counts = agents.open_chat_counts()
        candidates = sorted((counts.get(a, 0), a) for a in online if counts.get(a, 0) < limit)
        oldest = db.session.scalars(
            select(Conversation.id).where(Conversation.state == "waiting")
            .order_by(Conversation.escalated_at, Conversation.id).limit(1)).first()
        db.session.rollback()
        if not candidates or oldest is None:
            break
        try:
            results.append(handoff.claim(oldest, candidates[0][1], auto=True))
        except ServiceError as error:
            if error.code != "already_claimed":
                raise
    return results
