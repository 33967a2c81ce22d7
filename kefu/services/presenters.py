"""How a conversation looks to each side: the visitor's view, the agents' cards and detail.

The visitor's ``conversation`` event (:func:`visitor_view`) and the agents' card
(:func:`cards`) are built here only, both reading places in the queue from
:class:`kefu.services.queue.Queue`.  Cards are built in batches (one query per list,
not per conversation) because the queue is sent to every agent each time it moves.
"""
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, User, Visitor, utcnow
from kefu.services import lifecycle
from kefu.services.assist import draft_of
from kefu.services.outcomes import Outcome
from kefu.services.queue import Queue, waiting_conversations
from kefu.services.wire import serialize_message


def iso(value):
    return value.isoformat() if value else None


def visitor_view(conversation: Conversation, queue: Queue | None = None) -> dict:
    """The ``conversation`` event a visitor gets (docs/protocol.md, protocol 2)."""
    waiting = conversation.state == "waiting"
    if waiting and queue is None:
        queue = Queue()
    offline = queue.offline if waiting else None
    return {
        "id": conversation.id,
        "state": conversation.state,
        "agent": {"name": conversation.assigned_agent.name}
        if conversation.state == "agent" and conversation.assigned_agent_id else None,
        "queue": queue.place(conversation.id) if waiting else None,
        "offline": {"reason": offline} if offline else None,
        "can_rate": conversation.awaits_rating,
        "agent_read_up_to": conversation.agent_read_up_to,
    }


def waiting_visitor_views(queue: Queue | None = None) -> list:
    """``(visitor public id, view)`` for every waiting conversation: the queue moved."""
    queue = queue or Queue()
    if not queue.order:
        return []
    rows = db.session.execute(  # the visitor's public id in the same query, not one per chat
        select(Conversation, Visitor.public_id).join(Visitor, Visitor.id == Conversation.visitor_id)
        .where(Conversation.id.in_(queue.order))).all()
    return [(public_id, visitor_view(c, queue)) for c, public_id in rows]


def cards(conversations: list, queue: Queue | None = None) -> list:
    """Cards for ``conversations`` in the given order."""
    ids = [c.id for c in conversations]
    if not ids:
        return []
    if queue is None and any(c.state == "waiting" for c in conversations):
        queue = Queue()
    last_ids = dict(db.session.execute(
        select(Message.conversation_id, func.max(Message.id))
        .where(Message.conversation_id.in_(ids), Message.sender != "note")
        .group_by(Message.conversation_id)).all())
    last = {m.conversation_id: m for m in db.session.scalars(
        select(Message).where(Message.id.in_(list(last_ids.values()))))} if last_ids else {}
    unread = dict(db.session.execute(
        select(Message.conversation_id, func.count(Message.id))
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(Message.conversation_id.in_(ids), Message.sender == "visitor",
               Message.id > func.coalesce(Conversation.agent_read_up_to, 0))
        .group_by(Message.conversation_id)).all())
    people = _load_people(conversations, last.values())
    now = utcnow()
    result = []
    for c in conversations:
        waiting = (now - c.escalated_at).total_seconds() \
            if c.state == "waiting" and c.escalated_at else None
        result.append({
            "id": c.id,
            "state": c.state,
            "visitor": {"id": c.visitor.public_id, "name": c.visitor.name,
                        "locale": c.visitor.locale},
            "assigned_agent": {"id": c.assigned_agent.id, "name": c.assigned_agent.name}
            if c.assigned_agent_id else None,
            "created_at": iso(c.created_at),
            "escalated_at": iso(c.escalated_at),
            "closed_at": iso(c.closed_at),
            "reason": c.handoff_reason,
            "rating": c.rating,
            "last_message": serialize_message(last[c.id]) if c.id in last else None,
            "unread": unread.get(c.id, 0),
            "waiting_seconds": int(waiting) if waiting is not None else None,
            "queue": queue.place(c.id) if c.state == "waiting" else None,
        })
    del people  # held until here: the identity map keeps objects only while referenced
    return result


def _load_people(conversations, messages) -> list:
    """Load the visitors and users the cards name in two queries.

    The cards then read ``c.visitor``, ``c.assigned_agent`` and ``m.sender_user`` from
    the session's identity map instead of one lazy SELECT per conversation.  The map
    holds objects weakly, so the caller keeps the returned list while it builds cards.
    """
    visitor_ids = {c.visitor_id for c in conversations}
    user_ids = {c.assigned_agent_id for c in conversations} | {m.sender_user_id for m in messages}
    user_ids.discard(None)
    people = list(db.session.scalars(select(Visitor).where(Visitor.id.in_(visitor_ids))))
    if user_ids:
        people += db.session.scalars(select(User).where(User.id.in_(user_ids)))
    return people


def card(conversation: Conversation) -> dict:
    """The card of one conversation."""
    return cards([conversation])[0]


def card_of(conversation_id: int) -> dict:
    """The card of the conversation ``conversation_id``."""
    return card(db.session.get(Conversation, conversation_id))


def queue_cards(queue: Queue | None = None) -> list:
    """Cards of the waiting queue, in order."""
    return cards(waiting_conversations(), queue)


def mine_cards(user_id: int) -> list:
    """Cards of the open conversations assigned to ``user_id``."""
    return cards(list(db.session.scalars(
        select(Conversation).where(Conversation.assigned_agent_id == user_id,
                                   Conversation.state == "agent")
        .order_by(Conversation.id))))


def handoff_guesses(conversation: Conversation, escalation) -> list:
    """The bot's top 3 guesses at the handoff: from the decision, else the last suggestion."""
    data = (escalation.data or {}) if escalation else {}
    guesses = list(data.get("suggestions") or [])
    if not guesses and data.get("intent"):
        guesses = [{"intent": data["intent"], "title": None,
                    "confidence": data.get("confidence")}]
    if not guesses:
        last = db.session.scalars(
            select(Message).where(Message.conversation_id == conversation.id,
                                  Message.sender == "bot", Message.bot_action == "suggest")
            .order_by(Message.id.desc()).limit(1)).first()
        if last is not None:
            guesses = list((last.extra or {}).get("suggestions") or [])
    return guesses[:3]


def _with_draft(message: Message) -> dict:
    """A message for agents: a visitor message carries the bot's draft (agent assist)."""
    wire = serialize_message(message)
    draft = draft_of(message)
    if draft is not None:
        wire["assist"] = draft
    return wire


def detail(conversation: Conversation) -> dict:
    """Everything the workspace shows for one conversation (the ``open`` ack)."""
    events = db.session.scalars(
        select(ConversationEvent).where(ConversationEvent.conversation_id == conversation.id)
        .order_by(ConversationEvent.id)).all()
    escalation = next((e for e in reversed(events) if e.kind == "escalated"), None)
    visitor = conversation.visitor
    earlier = db.session.scalars(
        select(Conversation).where(Conversation.visitor_id == visitor.id,
                                   Conversation.id != conversation.id)
        .order_by(Conversation.id.desc()).limit(20)).all()
    messages = db.session.scalars(
        select(Message).where(Message.conversation_id == conversation.id)
        .order_by(Message.id)).all()
    in_inbox = {(e.data or {}).get("message_id") for e in events
                if e.kind == lifecycle.SENT_TO_INBOX}
    return {
        **card(conversation),
        "messages": [{**_with_draft(m), "sent_to_inbox": True} if m.id in in_inbox
                     else _with_draft(m) for m in messages],
        "events": [{"kind": e.kind, "from_state": e.from_state, "to_state": e.to_state,
                    "actor_kind": e.actor_kind, "actor_user_id": e.actor_user_id,
                    "reason": e.reason, "created_at": iso(e.created_at)} for e in events],
        "handoff": {"reason": escalation.reason, "at": iso(escalation.created_at),
                    "guesses": handoff_guesses(conversation, escalation)} if escalation else None,
        "visitor_details": {
            "id": visitor.public_id, "name": visitor.name, "email": visitor.email,
            "verified": visitor.external_id is not None,
            "locale": visitor.locale, "browser": visitor.user_agent,
            "first_seen": iso(visitor.first_seen), "last_seen": iso(visitor.last_seen),
            "pages": visitor.pages or [],
            "earlier_conversations": [
                {"id": c.id, "state": c.state, "created_at": iso(c.created_at),
                 "closed_at": iso(c.closed_at), "rating": c.rating} for c in earlier],
        },
        "first_agent_reply_at": iso(conversation.first_agent_reply_at),
        "rating_comment": conversation.rating_comment,
        "agent_read_up_to": conversation.agent_read_up_to,
        "visitor_read_up_to": conversation.visitor_read_up_to,
    }


def change(conversation: Conversation, *, messages=(), notes=(), also=(),
           queue: Queue | None = None) -> Outcome:
    """The outcome of a change to one conversation: who sees which new lines and views.

    ``messages`` go to the visitor and the conversation's agents, ``notes`` to the agents
    only; ``also`` names agents to tell besides the assigned one (a previous holder).
    """
    card_ = cards([conversation], queue)[0]
    assigned = (card_["assigned_agent"] or {}).get("id")
    messages = [serialize_message(m) for m in messages]
    return Outcome(
        conversation_id=conversation.id, visitor=conversation.visitor.public_id,
        watcher_ids=tuple(a for a in (assigned, *also) if a),
        to_visitor=messages, to_watchers=messages + [serialize_message(n) for n in notes],
        view=visitor_view(conversation, queue), card=card_)
