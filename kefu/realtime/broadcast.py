"""Telling everyone concerned: emits to rooms, so they reach every process.

Rooms: ``agents`` (every desk socket), ``agent:<user id>`` (one agent's tabs),
``conversation:<id>`` (agents who opened it), ``visitor:<public id>`` (one visitor's
tabs).  Everything goes through ``socketio.emit(..., to=room)``, which the Redis
message queue fans out when several processes serve the desk; no process keeps a
list of sockets of its own.
"""
from kefu.concurrency import run_blocking
from kefu.extensions import socketio
from kefu.realtime.common import visitor_room
from kefu.services import agents, cards, routing

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


def to_visitor(public_id: str, event: str, data) -> None:
    """Send to every tab of one visitor."""
    socketio.emit(event, data, to=visitor_room(public_id), namespace=VISITOR_NS)


def to_agents(event: str, data, rooms=AGENTS_ROOM) -> None:
    """Send to desk sockets (all of them by default)."""
    socketio.emit(event, data, to=rooms, namespace=AGENT_NS)


def outcome(result: dict) -> None:
    """Deliver what a handoff action changed (see :mod:`kefu.services.handoff`)."""
    card = result["conversation"]
    assigned = (card["assigned_agent"] or {}).get("id")
    rooms = watchers(card["id"], assigned, result.get("from_agent_id"))
    for message in result["messages"]:
        to_visitor(result["visitor"], "message", message)
        to_agents("message", message, rooms)
    for note in result["notes"]:
        to_agents("message", note, rooms)
    to_visitor(result["visitor"], "conversation", result["view"])
    to_agents("conversation", card)


def _queue_snapshot():
    return {"queue": cards.queue_cards(), "visitors": routing.waiting_visitor_views()}


def queue_moved() -> None:
    """Auto-assign if it is on, then send the queue to agents and new places to visitors."""
    for result in run_blocking(routing.auto_assign):
        outcome(result)
    snapshot = run_blocking(_queue_snapshot)
    to_agents("queue", {"queue": snapshot["queue"]})
    for public_id, view in snapshot["visitors"]:
        to_visitor(public_id, "conversation", view)


def agents_changed() -> None:
    """Send the presence list to every agent."""
    to_agents("agents", {"agents": run_blocking(agents.agent_list)})
