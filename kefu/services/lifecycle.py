"""The conversation lifecycle: its states, the moves allowed between them, and who moved it.

Every change of ``Conversation.state`` goes through :func:`transition`, which checks the
move against :data:`TRANSITIONS`, makes it with one conditional UPDATE (so two processes
racing for the same move cannot both win) and records a :class:`ConversationEvent` with
the actor and the reason, the audit trail reports and the agents' detail view read.
Events that change no state (a transfer, a rating) are recorded with :func:`record`.

::

    (new) ──created──▶ bot ──escalated──▶ waiting ──claimed──▶ agent
                        │▲  ◀──released────┘  │                   ▲│
                        │└──────released──────┼───────────────────┘│
                        └─────────────taken_over───────────────────┘
                 bot, waiting, agent ──closed──▶ closed
                                    waiting ──abandoned──▶ abandoned
                    agent ──requeued──▶ waiting   (its agent left the desk)
"""
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from kefu.extensions import db
from kefu.models import OPEN_STATES, Conversation, ConversationEvent, Visitor
from kefu.services.errors import ServiceError

#: The state a conversation is opened in.
INITIAL = "bot"

#: Every allowed move ``(from, to)`` and the kind of event it is recorded as.  A move not
#: in this table raises ``illegal_transition``.
TRANSITIONS = {
    ("bot", "waiting"): "escalated",
    ("waiting", "agent"): "claimed",
    ("bot", "agent"): "taken_over",  # an agent steps in before the bot hands off
    ("waiting", "bot"): "released",
    ("agent", "bot"): "released",
    ("bot", "closed"): "closed",
    ("waiting", "closed"): "closed",
    ("agent", "closed"): "closed",
    ("waiting", "abandoned"): "abandoned",
    # The agent holding it left the desk (deactivated, or no longer an agent).
    ("agent", "waiting"): "requeued",
}

#: Attempts at finding or opening the visitor's conversation when others race to open it.
OPEN_ATTEMPTS = 5

@dataclass(frozen=True)
class Actor:
    """Who made a change: ``bot``, ``visitor``, ``agent`` (with the user) or ``system``."""

    kind: str
    user_id: int | None = None

    @classmethod
    def agent(cls, user_id: int) -> "Actor":
        """A desk user acting by hand."""
        return cls("agent", user_id)


#: The conversation event an agent's "the bot should have answered this" records (no move).
SENT_TO_INBOX = "sent_to_inbox"

BOT = Actor("bot")
VISITOR = Actor("visitor")
SYSTEM = Actor("system")


def allowed(from_state: str, to_state: str) -> bool:
    """True when the table allows moving a conversation from ``from_state`` to ``to_state``."""
    return (from_state, to_state) in TRANSITIONS


def check(from_state: str, to_state: str) -> str:
    """The event kind of the move; ServiceError ``illegal_transition`` when it is not allowed."""
    kind = TRANSITIONS.get((from_state, to_state))
    if kind is None:
        raise ServiceError("illegal_transition",
                           f"A conversation cannot go from '{from_state}' to '{to_state}'.")
    return kind


def record(conversation_id: int, kind: str, actor: Actor, reason: str | None = None, *,
           from_state: str | None = None, to_state: str | None = None,
           data: dict | None = None) -> ConversationEvent:
    """Add an event to the audit trail (committed with the caller's transaction)."""
    event = ConversationEvent(conversation_id=conversation_id, kind=kind,
                              from_state=from_state, to_state=to_state,
                              actor_kind=actor.kind, actor_user_id=actor.user_id,
                              reason=reason, data=data)
    db.session.add(event)
    return event


def transition(conversation, to_state: str, actor: Actor, reason: str | None = None, *,
               from_state: str | None = None, data: dict | None = None, where=(),
               **columns) -> ConversationEvent:
    """Move ``conversation`` to ``to_state`` and record it; the only writer of ``state``.

    ``conversation`` is a Conversation, or its id with ``from_state`` (the claim writes
    before it reads anything, so no stale snapshot can precede its UPDATE).  ``columns``
    are set in the same UPDATE (``assigned_agent_id``, ``escalated_at`` ...).  The UPDATE
    only matches while the row is still in ``from_state``: a rival that moved it first
    makes this raise ``invalid_state`` (the caller rolls back).  ``where`` adds conditions
    the row must still meet in the same UPDATE (the lifecycle jobs: "and the visitor has
    not come back").  Not committed.
    """
    if isinstance(conversation, Conversation):
        conversation_id = conversation.id
        from_state = conversation.state if from_state is None else from_state
    else:
        conversation_id, conversation = conversation, None
    if from_state is None:
        raise ValueError("from_state is needed when only the id is given")
    kind = check(from_state, to_state)
    won = db.session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.state == from_state, *where)
        .values(state=to_state, **columns)
        .execution_options(synchronize_session=False)).rowcount == 1
    if not won:
        raise ServiceError("invalid_state",
                           f"The conversation is no longer '{from_state}'.")
    if conversation is not None:  # the row changed: the loaded object reads it again
        db.session.expire(conversation, ["state", *columns, "assigned_agent"])
    return record(conversation_id, kind, actor, reason, from_state=from_state,
                  to_state=to_state, data=data)


def open_conversation_of(visitor: Visitor):
    """The visitor's conversation that is not closed, or None (the database allows one)."""
    return db.session.scalars(
        select(Conversation)
        .where(Conversation.visitor_id == visitor.id, Conversation.state.in_(OPEN_STATES))
        .order_by(Conversation.id.desc())
        .limit(1)
    ).first()


def open_or_create(visitor: Visitor) -> Conversation:
    """The visitor's open conversation, opened (and committed) if there is none.

    Concurrent first messages of a new visitor all get here at once; the partial
    unique index ``uq_conversations_one_open_per_visitor`` lets one INSERT win and the
    others fail with IntegrityError, after which they read the winner's conversation.
    The new conversation starts in :data:`INITIAL`, recorded as a ``created`` event.
    """
    visitor_id = visitor.id
    for _ in range(OPEN_ATTEMPTS):
        conversation = open_conversation_of(visitor)
        if conversation is not None:
            return conversation
        conversation = Conversation(visitor_id=visitor_id, state=INITIAL)
        db.session.add(conversation)
        try:
            db.session.flush()
            record(conversation.id, "created", VISITOR, to_state=INITIAL)
            db.session.commit()
            return conversation
        except IntegrityError:  # another request opened it first: read theirs
            db.session.rollback()
    raise ServiceError("internal_error", "Could not open a conversation; please resend.")
