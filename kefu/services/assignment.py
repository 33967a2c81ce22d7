"""Who gets a waiting chat: a claim by hand, or auto-assignment to the least busy agent.

A claim is one conditional UPDATE (``... SET state='agent' WHERE id=? AND
state='waiting'``, made by :func:`kefu.services.lifecycle.transition`), which changes the
row for exactly one caller in any process; rivals get ``already_claimed``.
Auto-assignment makes the same claims, so it can never collide with a manual one.
:func:`settle` runs it after anything that moves the queue or an agent's load, inside
the same service call, and returns what the agents and waiting visitors must be told.
"""
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, utcnow
from kefu.services import lifecycle, presence, presenters, returning_agent, settings
from kefu.services.errors import ServiceError
from kefu.services.notices import system_notice
from kefu.services.outcomes import Outcome, QueueMoved
from kefu.services.queue import Queue, oldest_waiting_id

#: Claims one auto-assignment round makes at most (a bound, not a limit anyone meets).
MAX_ROUND = 200


def taken_or_moved(conversation_id: int, only: str) -> ServiceError:
    """Why a move to ``agent`` (a claim, a takeover) found the conversation elsewhere.

    ``already_claimed`` when another agent holds it now, ``not_found`` when it is gone,
    else ``invalid_state`` with ``only`` saying which conversations the move applies to.
    """
    db.session.rollback()
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        return ServiceError("not_found", f"There is no conversation {conversation_id}.")
    if conversation.state == "agent":
        return ServiceError("already_claimed", "Another agent has taken this conversation.")
    return ServiceError("invalid_state", f"{only}, not '{conversation.state}'.")


def claim(conversation_id: int, user_id: int, *, auto: bool = False,
          reason: str | None = None) -> Outcome:
    """Give a waiting conversation to ``user_id`` (by hand, or ``auto``-assigned).

    ``reason`` names why (default ``claim`` by hand, ``auto_assign`` when ``auto``).
    The visitor is told who joined.  Commits; returns the claim's outcome.
    """
    me = presence.desk_user(user_id)
    db.session.rollback()  # no read snapshot may precede the write below
    actor = lifecycle.Actor("system" if auto else "agent", me["id"])
    try:
        event = lifecycle.transition(conversation_id, "agent", actor,
                                     reason or ("auto_assign" if auto else "claim"),
                                     from_state="waiting", assigned_agent_id=me["id"])
    except ServiceError:
        raise taken_or_moved(conversation_id, "Only waiting conversations can be claimed")
    conversation = db.session.scalars(select(Conversation).where(
        Conversation.id == conversation_id).execution_options(populate_existing=True)).one()
    event.data = {"waited_seconds": (utcnow() - conversation.escalated_at).total_seconds()
                  if conversation.escalated_at else None}
    joined = system_notice(conversation, "agent_joined", name=me["name"])
    db.session.commit()
    outcome = presenters.change(conversation, messages=[joined])
    outcome.ack = {"conversation": outcome.card}
    return outcome


def auto_assign() -> list:
    """With auto-assign on: give the oldest waiting chats to the least busy online agents.

    An agent is never given more than ``max_chats_per_agent`` open chats.  Returns the
    outcomes of the claims made.
    """
    if not settings.get("auto_assign"):
        return []
    limit = settings.get("max_chats_per_agent")
    results = []
    for _ in range(MAX_ROUND):
        online = presence.online_agent_ids()
        counts = presence.open_chat_counts()
        candidates = sorted((counts.get(a, 0), a) for a in online if counts.get(a, 0) < limit)
        oldest = oldest_waiting_id()
        db.session.rollback()
        if not candidates or oldest is None:
            break
        try:
            results.append(claim(oldest, candidates[0][1], auto=True))
        except ServiceError as error:
            if error.code != "already_claimed":
                raise
    return results


def assign_returning() -> list:
    """Recently released chats that need a person again go back to the agent who released
    them, when that agent is online and under ``max_chats_per_agent``
    (:mod:`kefu.services.returning_agent`).  Returns the outcomes of the claims made.
    """
    candidates = returning_agent.returning_candidates()
    if not candidates:
        return []
    online = set(presence.online_agent_ids())
    counts = presence.open_chat_counts()
    limit = settings.get("max_chats_per_agent")
    results = []
    for conversation_id, agent_id in candidates:
        if agent_id not in online or counts.get(agent_id, 0) >= limit:
            continue
        try:
            results.append(claim(conversation_id, agent_id, auto=True,
                                 reason=returning_agent.REASON))
        except ServiceError as error:
            if error.code not in ("already_claimed", "invalid_state"):
                raise
            continue
        counts[agent_id] = counts.get(agent_id, 0) + 1
    return results


def queue_moved() -> QueueMoved:
    """The queue as agents and waiting visitors must now see it (one :class:`Queue` read)."""
    queue = Queue()
    return QueueMoved(cards=presenters.queue_cards(queue),
                      visitor_views=presenters.waiting_visitor_views(queue))


def settle(outcome: Outcome, *, agents: bool = True) -> Outcome:
    """After the queue or an agent's load changed: the returning agent, auto-assign, then
    the new queue.

    Adds to ``outcome`` the claims made, the queue and (with ``agents``) the presence
    list; returns it.
    """
    outcome.assignments = assign_returning() + auto_assign()
    outcome.queue = queue_moved()
    if agents:
        outcome.agents = presence.agent_list()
    return outcome
