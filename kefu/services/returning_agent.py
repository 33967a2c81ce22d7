"""Which waiting chats go back to the agent who released them, and to whom.

An agent hands a chat back to the bot (``release``); if the chat needs a person again
within ``sticky_agent_seconds`` of that release, whatever the reason of the new handoff,
it goes straight to the agent who released it, provided that agent is online and below
``max_chats_per_agent`` (:func:`kefu.services.assignment.assign_returning` makes the
claim, the ordinary atomic one, with reason :data:`REASON`).  Otherwise it waits in the
queue like any other.
"""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent
from kefu.services import settings

REASON = "returning_agent"


def released_by(event: ConversationEvent):
    """The agent who held the chat before this ``released`` event (None: nobody held it)."""
    if event.from_state != "agent":
        return None
    data = event.data or {}
    return data["agent_id"] if "agent_id" in data else event.actor_user_id


def returning_candidates() -> list:
    """``(conversation id, agent id)`` for waiting chats released recently enough, oldest first.

    Recently enough: the chat was handed off again at most ``sticky_agent_seconds`` after
    its latest release from an agent.
    """
    window = settings.get("sticky_agent_seconds")
    if not window:
        return []
    waiting = db.session.execute(
        select(Conversation.id, Conversation.escalated_at)
        .where(Conversation.state == "waiting")
        .order_by(Conversation.escalated_at, Conversation.id)).all()
    if not waiting:
        return []
    latest = {}
    for event in db.session.scalars(
            select(ConversationEvent)
            .where(ConversationEvent.kind == "released",
                   ConversationEvent.conversation_id.in_([c for c, _ in waiting]))
            .order_by(ConversationEvent.id)):
        latest[event.conversation_id] = event
    found = []
    for conversation_id, escalated_at in waiting:
        event = latest.get(conversation_id)
        if event is None or escalated_at is None or event.created_at > escalated_at:
            continue
        agent_id = released_by(event)
        if agent_id is not None and (escalated_at - event.created_at).total_seconds() <= window:
            found.append((conversation_id, agent_id))
    return found
