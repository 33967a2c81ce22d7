"""A visitor who needs a person again soon after a release goes back to the same agent.

An agent hands a chat back to the bot (``release``); if the chat needs a person again
within ``sticky_agent_seconds`` of that release, whatever the reason of the new
handoff, it goes straight to the agent who released it, provided that agent is online
and below ``max_chats_per_agent``.  Otherwise it waits in the queue like any other.
The claim is the ordinary atomic one, recorded with reason ``returning_agent``.
"""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent
from kefu.services import agents, settings
from kefu.services.errors import ServiceError


def released_by(event: ConversationEvent):
    """The agent who held the chat before this ``released`` event (None: nobody held it)."""
    if event.from_state != "agent":
        return None
    data = event.data or {}
    return data["agent_id"] if "agent_id" in data else event.actor_user_id


def returning_candidates() -> list:
    """``(conversation id, agent id)`` for waiting chats released recently enough, oldest first."""
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
        if released_by(event) is not None \
                and (escalated_at - event.created_at).total_seconds() <= window:
            found.append((conversation_id, released_by(event)))
    return found


def assign_returning() -> list:
    """Claim each recently released waiting chat for its agent when they can take it.

    Returns the claim outcomes (as :func:`kefu.services.handoff.claim` does).
    """
    from kefu.services import handoff  # handoff -> routing -> here: import when called

    candidates = returning_candidates()
    if not candidates:
        return []
    online = set(agents.online_agent_ids())
    counts = agents.open_chat_counts()
    limit = settings.get("max_chats_per_agent")
    results = []
    for conversation_id, agent_id in candidates:
        if agent_id not in online or counts.get(agent_id, 0) >= limit:
            continue
        try:
            results.append(handoff.claim(conversation_id, agent_id, auto=True,
                                         reason="returning_agent"))
        except ServiceError as error:
            if error.code not in ("already_claimed", "invalid_state"):
                raise
            continue
        counts[agent_id] = counts.get(agent_id, 0) + 1
    return results
