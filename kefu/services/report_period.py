"""The period and the scope every report shares, and the small arithmetic of its figures.

A report covers the conversations *created* in a period of local days (the desk's time
zone), optionally only those an agent worked (claimed, or holds now): :func:`scoped` is
that set, as a subquery, so every metric module counts the same conversations.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import or_, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent
from kefu.services import settings
from kefu.services.errors import ServiceError

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    """Local days ``first`` to ``last`` in ``zone``, as the UTC instants they span."""

    first: date
    last: date
    zone: object

    @property
    def since(self) -> datetime:
        return settings.local_day_range(self.first, self.last, self.zone)[0]

    @property
    def until(self) -> datetime:
        return settings.local_day_range(self.first, self.last, self.zone)[1]

    def days(self) -> list:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def period(first: date | None = None, last: date | None = None, zone=None) -> Period:
    """A checked period; by default the last 7 local days up to today."""
    zone = zone or settings.desk_zone()
    today = datetime.now(zone).date()
    last = last or today
    first = first or last - timedelta(days=6)
    if first > last:
        raise ServiceError("out_of_range", "The first day comes after the last.")
    if (last - first).days >= MAX_DAYS:
        raise ServiceError("out_of_range", f"A report covers at most {MAX_DAYS} days.")
    return Period(first, last, zone)


def in_scope(p: Period, agent_id=None) -> tuple:
    """The conditions on Conversation of a report's conversations: created in the period
    (and the agent's); for the statements that read the conversations' own figures."""
    conditions = (Conversation.created_at >= p.since, Conversation.created_at < p.until)
    if agent_id is None:
        return conditions
    # An uncorrelated IN: the agent's claims are looked up once (ix_events_kind_actor),
    # not once per conversation of the period (benchmarks/reports.py).
    claimed = select(ConversationEvent.conversation_id).where(
        ConversationEvent.kind == "claimed", ConversationEvent.actor_user_id == agent_id)
    return conditions + (or_(Conversation.assigned_agent_id == agent_id,
                             Conversation.id.in_(claimed)),)


def scoped(p: Period, agent_id=None):
    """The ids of the conversations a report counts, as a select (for other tables' IN)."""
    return select(Conversation.id).where(*in_scope(p, agent_id))


def ids_of(query) -> list:
    return list(db.session.scalars(query.order_by(Conversation.id)))


def rate(part, whole):
    return None if not whole else part / whole


def aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def percentile(values, q) -> float | None:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]
