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
lease changes hands.  Every function takes ``now``, so tests move time, not sleep.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select, update

from kefu import i18n
from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, utcnow
from kefu.services import cards, lease, routing, settings, visitor_presence
from kefu.services.agents import PROCESS_ID
from kefu.services.language import notice_language
from kefu.services.wire import serialize_message

LEASE_NAME = "lifecycle"
#: Senders whose messages keep an agent chat alive (system notices and notes do not).
SPEAKERS = ("visitor", "agent")


@dataclass
class LifecycleOutcome:
    """What one run changed and who must be told.

    ``closed``: one outcome per idle chat closed, in the shape agent actions return
    (card, visitor view, visitor, the notice); ``abandoned``: the agents' cards of chats
    that left the queue.  ``held`` says whether this process held the lease and ran.
    Each job's event names the process that ran it (``data.by``), for the audit trail.
    """

    held: bool = False
    closed: list = field(default_factory=list)
    abandoned: list = field(default_factory=list)

    @property
    def queue_moved(self) -> bool:
        """Places changed (someone left) or capacity freed (a chat closed)."""
        return bool(self.closed or self.abandoned)


def run_jobs(holder: str = PROCESS_ID, now: datetime | None = None) -> LifecycleOutcome:
    """Take (or renew) the lease and, when this process holds it, run every job."""
    now = now or utcnow()
    if not lease.acquire(LEASE_NAME, holder, current_app.config["LIFECYCLE_LEASE_SECONDS"],
                         now=now):
        return LifecycleOutcome()
    return LifecycleOutcome(held=True, abandoned=abandon_departed(now, by=holder),
                            closed=close_idle(now, by=holder))


def _event(conversation_id, kind, from_state, to_state, reason, now, data):
    db.session.add(ConversationEvent(
        conversation_id=conversation_id, kind=kind, from_state=from_state, to_state=to_state,
        actor_kind="system", reason=reason, data=data, created_at=now))


def abandon_departed(now: datetime | None = None, by: str = PROCESS_ID) -> list:
    """Waiting chats whose visitor has been gone long enough leave the queue.

    Gone since: the later of the escalation and the visitor's last presence (a closed
    socket, the last beat of a dead server's row).  Returns the agents' cards.
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
        won = db.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.state == "waiting",
                   ~visitor_presence.present(Conversation.visitor_id, now))
            .values(state="abandoned", closed_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if won:
            _event(conversation_id, "abandoned", "waiting", "abandoned", "visitor_left", now,
                   {"gone_seconds": int((now - gone_since).total_seconds()), "by": by})
            left.append(conversation_id)
    db.session.commit()
    return _cards(left)


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

    Returns one outcome per chat for the transport (the ``idle_closed`` notice goes to
    the visitor and to the agents; the visitor is asked for a rating).
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
        won = db.session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id, Conversation.state == "agent",
                   ~spoke_since)
            .values(state="closed", closed_at=now)
            .execution_options(synchronize_session=False)).rowcount == 1
        if not won:
            db.session.rollback()
            continue
        idle = int((now - last).total_seconds()) if last else None
        _event(conversation_id, "closed", "agent", "closed", "idle", now,
               {"idle_seconds": idle, "by": by})
        conversation = db.session.scalars(select(Conversation).where(
            Conversation.id == conversation_id)
            .execution_options(populate_existing=True)).one()
        text, notice = i18n.notice("idle_closed", notice_language(conversation),
                                   minutes=max(1, round(after / 60)))
        bye = Message(conversation=conversation, sender="system", text=text,
                      extra={"notice": notice}, created_at=now)
        db.session.add(bye)
        db.session.commit()
        closed.append({"conversation": cards.card(conversation),
                       "visitor": conversation.visitor.public_id,
                       "view": routing.visitor_view(conversation),
                       "messages": [serialize_message(bye)], "notes": [],
                       "from_agent_id": agent_id})
    return closed


def _cards(conversation_ids) -> list:
    if not conversation_ids:
        return []
    found = db.session.scalars(select(Conversation).where(
        Conversation.id.in_(conversation_ids)).order_by(Conversation.id)).all()
    return cards.cards(list(found))
