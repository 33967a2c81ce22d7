"""The conversation lifecycle's periodic jobs: visitors who left the queue, idle agent chats.

- A ``waiting`` visitor with no open socket (:mod:`kefu.services.visitor_presence`) for
  the setting ``abandon_after_seconds`` leaves the queue: state ``abandoned``, reason
  ``visitor_left``.  The queue moves up for everyone behind them, and the wait estimate
  no longer counts a chat nobody is waiting in.
- An ``agent`` chat with no message from the visitor or the agent (nor a claim or a
  transfer) for ``idle_close_after_seconds`` is closed, reason ``idle``, with a notice in
  the visitor's language that both sides see.

:func:`run_jobs` runs them once per deployment: only the process holding the
``lifecycle`` lease (:mod:`kefu.services.lease`) does the work.  Each change is a
conditional UPDATE as well, so a chat changes once even if two runs overlap while the
lease changes hands.  Every change goes through the state machine
(:func:`kefu.services.lifecycle.transition`, actor ``system``).  Every function takes
``now``, so tests move time, not sleep.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, utcnow
from kefu.services import assignment, lease, lifecycle, presenters, settings, visitor_presence
from kefu.services.errors import ServiceError
from kefu.services.notices import system_notice
from kefu.services.outcomes import Outcome
from kefu.services.presence import PROCESS_ID

LEASE_NAME = "lifecycle"
#: Senders whose messages keep an agent chat alive (system notices and notes do not).
SPEAKERS = ("visitor", "agent")


@dataclass
class JobsRun:
    """What one run changed, as outcomes for the transport to deliver in order.

    ``abandoned``: one outcome per chat that left the queue (the agents' card);
    ``closed``: one per idle chat closed (the notice to both sides, the visitor's view,
    the card); ``settled``: when anything changed, the queue and presence as they are now
    (and any claims that freed capacity made).  ``held`` says whether this process held
    the lease and ran.  Each job's event names the process that ran it (``data.by``).
    """

    held: bool = False
    abandoned: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    settled: Outcome | None = None

    def outcomes(self) -> list:
        """Everything to deliver, in order."""
        return [*self.abandoned, *self.closed, *([self.settled] if self.settled else [])]


def run_jobs(holder: str = PROCESS_ID, now: datetime | None = None) -> JobsRun:
    """Take (or renew) the lease and, when this process holds it, run every job."""
    now = now or utcnow()
    if not lease.acquire(LEASE_NAME, holder, current_app.config["LIFECYCLE_LEASE_SECONDS"],
                         now=now):
        return JobsRun()
    run = JobsRun(held=True, abandoned=abandon_departed(now, by=holder),
                  closed=close_idle(now, by=holder))
    if run.abandoned or run.closed:
        run.settled = assignment.settle(Outcome())
    return run


def _move(conversation_id, from_state, to_state, reason, now, data, where=(), **columns):
    """One state change by the server at ``now``; False when a rival changed it first."""
    try:
        event = lifecycle.transition(conversation_id, to_state, lifecycle.SYSTEM, reason,
                                     from_state=from_state, data=data, where=where,
                                     **columns)
    except ServiceError:
        db.session.rollback()
        return False
    event.created_at = now
    return True


def abandon_departed(now: datetime | None = None, by: str = PROCESS_ID) -> list:
    """Waiting chats whose visitor has been gone long enough leave the queue.

    Gone since: the later of the escalation and the visitor's last presence (a closed
    socket, the last beat of a dead server's row).  Returns one outcome per chat.
    """
    now = now or utcnow()
    after = settings.get("abandon_after_seconds")
    if not after:
        return []
    cutoff = now - timedelta(seconds=after)
    rows = db.session.execute(
        select(Conversation.id, Conversation.visitor_id, Conversation.escalated_at)
        .where(Conversation.state == "waiting",
               ~visitor_presence.present(Conversation.visitor_id, now))).all()
    seen = visitor_presence.last_presence({v for _, v, _ in rows}, now)
    left = []
    for conversation_id, visitor_id, escalated_at in rows:
        known = [t for t in (seen.get(visitor_id), escalated_at) if t is not None]
        gone_since = max(known) if known else None
        if gone_since is None or gone_since > cutoff:
            continue
        data = {"gone_seconds": int((now - gone_since).total_seconds()), "by": by}
        if _move(conversation_id, "waiting", "abandoned", "visitor_left", now, data,
                 where=(~visitor_presence.present(Conversation.visitor_id, now),),
                 closed_at=now):
            db.session.commit()
            left.append(conversation_id)
    return [Outcome(card=card) for card in _cards(left)]


def _last_activity(conversation_ids) -> dict:
    """``{conversation id: the latest message of either side, claim or transfer}``."""
    spoke = db.session.execute(
        select(Message.conversation_id, func.max(Message.created_at))
        .where(Message.conversation_id.in_(conversation_ids), Message.sender.in_(SPEAKERS))
        .group_by(Message.conversation_id)).all()
    took = db.session.execute(
        select(ConversationEvent.conversation_id, func.max(ConversationEvent.created_at))
        .where(ConversationEvent.conversation_id.in_(conversation_ids),
               ConversationEvent.kind.in_(("claimed", "transferred")))
        .group_by(ConversationEvent.conversation_id)).all()
    latest = {}
    for conversation_id, at in [*spoke, *took]:
        if at is not None and (conversation_id not in latest or at > latest[conversation_id]):
            latest[conversation_id] = at
    return latest


def close_idle(now: datetime | None = None, by: str = PROCESS_ID) -> list:
    """Agent chats without a message from either side for long enough are closed.

    Returns one outcome per chat: the ``idle_closed`` notice to the visitor and the
    agents (the visitor is asked for a rating), the visitor's view and the card.
    """
    now = now or utcnow()
    after = settings.get("idle_close_after_seconds")
    if not after:
        return []
    cutoff = now - timedelta(seconds=after)
    ids = list(db.session.scalars(select(Conversation.id).where(Conversation.state == "agent")))
    if not ids:
        return []
    activity = _last_activity(ids)
    spoke_since = exists().where(Message.conversation_id == Conversation.id,
                                 Message.sender.in_(SPEAKERS), Message.created_at > cutoff)
    closed = []
    for conversation_id in ids:
        last = activity.get(conversation_id)
        if last is not None and last > cutoff:
            continue
        agent_id = db.session.scalar(select(Conversation.assigned_agent_id)
                                     .where(Conversation.id == conversation_id))
        data = {"idle_seconds": int((now - last).total_seconds()) if last else None, "by": by}
        if not _move(conversation_id, "agent", "closed", "idle", now, data,
                     where=(~spoke_since,), closed_at=now):
            continue
        conversation = db.session.scalars(select(Conversation).where(
            Conversation.id == conversation_id)
            .execution_options(populate_existing=True)).one()
        bye = system_notice(conversation, "idle_closed", minutes=max(1, round(after / 60)))
        bye.created_at = now
        db.session.commit()
        closed.append(presenters.change(conversation, messages=[bye], also=[agent_id]))
    return closed


def _cards(conversation_ids) -> list:
    if not conversation_ids:
        return []
    found = db.session.scalars(select(Conversation).where(
        Conversation.id.in_(conversation_ids)).order_by(Conversation.id)).all()
    return presenters.cards(list(found))
