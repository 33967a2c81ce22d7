"""The waiting queue: its order, each chat's place and expected wait, and whether anyone is in.

:meth:`Queue.place` is the one source of a position and an expected wait: the visitor's
``conversation`` view, the queue notice stored at a handoff and the agents' cards all
read it, so no two screens can disagree about the same chat.
"""
import math
import statistics
from datetime import timedelta

from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, utcnow
from kefu.services import presence, settings

WAIT_SAMPLE = 50  # recent claims the expected wait is the median of
WAIT_MIN_SAMPLES = 3


def offline_reason():
    """``after_hours``, ``no_agents`` or None when someone can take a chat now."""
    if not settings.within_business_hours():
        return "after_hours"
    if not presence.online_agent_ids():
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


def waiting_query():
    """The waiting conversations in queue order: longest waiting first."""
    return (select(Conversation).where(Conversation.state == "waiting")
            .order_by(Conversation.escalated_at, Conversation.id))


def waiting_conversations() -> list:
    """The queue: waiting conversations, longest waiting first."""
    return list(db.session.scalars(waiting_query()))


def oldest_waiting_id():
    """The id of the conversation next in line, or None."""
    return db.session.scalars(waiting_query().with_only_columns(Conversation.id)
                              .limit(1)).first()


class Queue:
    """The queue read once: order, time per place, agents online, offline reason.

    Build one per answer and ask it for every chat in that answer, so a list of views
    costs a few queries, not a few per chat.
    """

    def __init__(self):
        self.order = [c.id for c in db.session.scalars(waiting_query())]
        self.per_place = wait_per_place()
        self.servers = max(1, len(presence.online_agent_ids()))
        self.offline = offline_reason()

    def place(self, conversation_id: int):
        """``{"position", "expected_wait_seconds"}`` (position 1 is next), None if not waiting."""
        if conversation_id not in self.order:
            return None
        position = self.order.index(conversation_id) + 1
        return {"position": position,
                "expected_wait_seconds": int(math.ceil(self.per_place * position / self.servers))}


def minutes(place: dict) -> int:
    """The expected wait of a place in whole minutes, at least 1 (the queue notice)."""
    return max(1, round(place["expected_wait_seconds"] / 60))
