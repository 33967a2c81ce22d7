"""What a service call changed and who must be told: the one thing a handler emits.

A Socket.IO handler validates its payload, makes one service call and hands the
:class:`Outcome` it returns to :mod:`kefu.realtime.broadcast`, which only turns it into
emits.  So the service decides everything (including auto-assignment, whose claims come
back in ``assignments``) and the transport decides nothing.
"""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Signal:
    """A passing event that is not stored: typing, read receipts, a new ticket.

    ``to`` is ``visitor`` (the conversation's visitor), ``watchers`` (agents who opened the
    conversation or hold it) or ``agents`` (every desk socket).
    """

    event: str
    data: dict
    to: str


@dataclass
class QueueMoved:
    """The waiting queue changed: its cards for agents, new places for waiting visitors."""

    cards: list
    visitor_views: list  # (visitor public id, visitor view)


@dataclass
class Outcome:
    """Everything one service call asks the transport to deliver, in delivery order.

    ``view`` is always the visitor's view of the conversation and ``card`` always the
    agents' card of it: the two never share a name.
    """

    #: The conversation concerned, if any (its readers' room gets ``to_watchers``).
    conversation_id: int | None = None
    #: The public id of the visitor to tell (every tab of theirs).
    visitor: str | None = None
    #: Agents besides the conversation's readers who get ``to_watchers`` (assigned, previous).
    watcher_ids: tuple = ()
    #: The visitor's own new message, for its other tabs (never echoed to the sender's).
    echo: list = field(default_factory=list)
    #: Stored messages for the visitor (bot replies, agents' messages, system notices).
    to_visitor: list = field(default_factory=list)
    #: Stored messages for the conversation's agents (including private notes).
    to_watchers: list = field(default_factory=list)
    #: The visitor's ``conversation`` event.
    view: dict | None = None
    #: The agents' ``conversation`` card (sent to every agent).
    card: dict | None = None
    signals: list = field(default_factory=list)
    #: Claims made by auto-assignment during this call, each with its own deliveries.
    assignments: list = field(default_factory=list)
    queue: QueueMoved | None = None
    #: The presence list, when presence or open chats changed.
    agents: list | None = None
    #: The fields of the caller's ack besides ``ok``.
    ack: dict = field(default_factory=dict)
    #: Events for the calling socket only, ``(event, data)``: ``session``, ``hello``, ...
    to_caller: list = field(default_factory=list)

    def signal(self, event: str, data: dict, to: str) -> "Outcome":
        """Add a passing event (see :class:`Signal`); returns self."""
        self.signals.append(Signal(event, data, to))
        return self
