"""Turning a service's :class:`~kefu.services.outcomes.Outcome` into emits, and nothing more.

Rooms: ``agents`` (every desk socket), ``agent:<user id>`` (one agent's tabs),
``conversation:<id>`` (agents who opened it), ``visitor:<public id>`` (one visitor's
tabs).  Everything goes through ``socketio.emit(..., to=room)``, which the Redis
message queue fans out when several processes serve the desk; no process keeps a
list of sockets of its own.  Nothing here reads or writes the database: what to say
and to whom was decided by the service call that made the outcome.
"""
from kefu.extensions import socketio
from kefu.realtime.common import visitor_room
from kefu.services.outcomes import Outcome

AGENT_NS = "/agent"
VISITOR_NS = "/visitor"
AGENTS_ROOM = "agents"


def agent_room(user_id: int) -> str:
    """Every socket of one agent."""
    return f"agent:{user_id}"


def conversation_room(conversation_id: int) -> str:
    """Agents who have the conversation open."""
    return f"conversation:{conversation_id}"


def watchers(conversation_id: int, *agent_ids) -> list:
    """The rooms of a conversation's readers and of the agents named."""
    return [conversation_room(conversation_id)] + [agent_room(a) for a in agent_ids if a]


def to_visitor(public_id: str, event: str, data, skip_sid=None) -> None:
    """Send to every tab of one visitor (but ``skip_sid``)."""
    socketio.emit(event, data, to=visitor_room(public_id), namespace=VISITOR_NS,
                  skip_sid=skip_sid)


def to_agents(event: str, data, rooms=AGENTS_ROOM) -> None:
    """Send to desk sockets (all of them by default)."""
    socketio.emit(event, data, to=rooms, namespace=AGENT_NS)


def deliver(outcome: Outcome, *, sid=None, namespace=None) -> None:
    """Send everything ``outcome`` names, in its order.

    ``sid`` and ``namespace`` are the calling socket's: ``to_caller`` events go to it,
    and the visitor's own message is echoed to its other tabs, not back to it.
    """
    for event, data in outcome.to_caller:
        socketio.emit(event, data, to=sid, namespace=namespace)
    rooms = watchers(outcome.conversation_id, *outcome.watcher_ids) \
        if outcome.conversation_id is not None else AGENTS_ROOM
    if outcome.visitor is not None:
        for message in outcome.echo:
            to_visitor(outcome.visitor, "message", message, skip_sid=sid)
        for message in outcome.to_visitor:
            to_visitor(outcome.visitor, "message", message)
        if outcome.view is not None:
            to_visitor(outcome.visitor, "conversation", outcome.view)
    for message in outcome.to_watchers:
        to_agents("message", message, rooms)
    if outcome.card is not None:
        to_agents("conversation", outcome.card)
    for signal in outcome.signals:
        if signal.to == "visitor":
            to_visitor(outcome.visitor, signal.event, signal.data)
        elif signal.to == "watchers":
            to_agents(signal.event, signal.data, rooms)
        else:
            to_agents(signal.event, signal.data)
    for assignment in outcome.assignments:
        deliver(assignment)
    if outcome.queue is not None:
        to_agents("queue", {"queue": outcome.queue.cards})
        for public_id, view in outcome.queue.visitor_views:
            to_visitor(public_id, "conversation", view)
    if outcome.agents is not None:
        to_agents("agents", {"agents": outcome.agents})
