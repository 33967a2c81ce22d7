"""The numbers a support lead reads each morning, each computed by one function.

Every metric is defined in docs/metrics.md.  A report covers the conversations *created*
in a period of local days (the desk's time zone), optionally only those an agent worked
(claimed, or holds now).  Each function returns its figures and, through
:func:`conversation_ids`, the conversations behind every number, so the page can link
each number to them.
"""
import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import and_, exists, func, or_, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, User
from kefu.services import settings
from kefu.services.errors import ServiceError

#: Metrics whose conversations can be listed (the click-through of each number).
METRICS = ("all", "bot_handled", "contained", "handed_off", "responded", "rated", "closed",
           "day", "rating", "reason")
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


def _scope(p: Period, agent_id=None):
    """The ids of the conversations a report counts: created in the period (and the agent's)."""
    query = select(Conversation.id).where(Conversation.created_at >= p.since,
                                          Conversation.created_at < p.until)
    if agent_id is not None:
        # An uncorrelated IN: the agent's claims are looked up once (ix_events_kind_actor),
        # not once per conversation of the period (benchmarks/reports.py).
        claimed = select(ConversationEvent.conversation_id).where(
            ConversationEvent.kind == "claimed", ConversationEvent.actor_user_id == agent_id)
        query = query.where(or_(Conversation.assigned_agent_id == agent_id,
                                Conversation.id.in_(claimed)))
    return query


def _bot_spoke():
    return exists().where(Message.conversation_id == Conversation.id, Message.sender == "bot")


def _escalated():
    return exists().where(ConversationEvent.conversation_id == Conversation.id,
                          ConversationEvent.kind == "escalated")


def _ids(query) -> list:
    return list(db.session.scalars(query.order_by(Conversation.id)))


def _rate(part, whole):
    return None if not whole else part / whole


def bot_containment(p: Period, agent_id=None) -> dict:
    """Of the conversations the bot answered in, the share that never went to a person.

    ``rate = contained / bot_handled``; a conversation with both a bot answer and a
    handoff counts as handed off, so the rate never exceeds 1.
    """
    scope = _scope(p, agent_id).where(_bot_spoke())
    handled = db.session.scalar(select(func.count()).select_from(scope.subquery()))
    handed = db.session.scalar(select(func.count()).select_from(
        scope.where(_escalated()).subquery()))
    return {"bot_handled": handled, "handed_off": handed, "contained": handled - handed,
            "rate": _rate(handled - handed, handled)}


def handoff_rate(p: Period, agent_id=None) -> dict:
    """Conversations that went to a person / all conversations, and by first reason."""
    scope = _scope(p, agent_id)
    total = db.session.scalar(select(func.count()).select_from(scope.subquery()))
    first = (select(ConversationEvent.conversation_id,
                    func.min(ConversationEvent.id).label("first_id"))
             .where(ConversationEvent.kind == "escalated",
                    ConversationEvent.conversation_id.in_(scope))
             .group_by(ConversationEvent.conversation_id).subquery())
    reasons = dict(db.session.execute(
        select(ConversationEvent.reason, func.count())
        .join(first, first.c.first_id == ConversationEvent.id)
        .group_by(ConversationEvent.reason)).all())
    handed = sum(reasons.values())
    return {"conversations": total, "handed_off": handed, "rate": _rate(handed, total),
            "by_reason": {reason or "unknown": n for reason, n in sorted(
                reasons.items(), key=lambda kv: (-kv[1], kv[0] or ""))}}


def _first_responses(p: Period, agent_id=None) -> dict:
    """``{conversation id: seconds}`` from the first handoff to the first person's reply.

    The database finds each conversation's first agent reply at or after its first
    handoff (ix_messages_conversation_sender), so only one row per answered chat comes
    back, not every agent line of the period.
    """
    handoff = (select(ConversationEvent.conversation_id.label("id"),
                      func.min(ConversationEvent.created_at).label("at"))
               .where(ConversationEvent.kind == "escalated",
                      ConversationEvent.conversation_id.in_(_scope(p, agent_id)))
               .group_by(ConversationEvent.conversation_id).subquery())
    replies = db.session.execute(
        select(handoff.c.id, _seconds(func.min(Message.created_at), handoff.c.at))
        .join(Message, and_(Message.conversation_id == handoff.c.id, Message.sender == "agent",
                            Message.created_at >= handoff.c.at))
        .group_by(handoff.c.id, handoff.c.at)).all()
    return {conversation_id: round(float(seconds), 3) for conversation_id, seconds in replies}


def _seconds(later, earlier):
    """``later - earlier`` in seconds, computed by the database.

    Reading two timestamps per chat into Python cost more than the query itself on a
    million messages; the difference is one float.  Rounded to the millisecond by the
    caller (SQLite's julianday carries about 50 microseconds of float error).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def percentile(values, q) -> float | None:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of ``values``; None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def first_response_time(p: Period, agent_id=None, *, times=None) -> dict:
    """Seconds from the handoff to the first human reply: median and p90.

    Only time after the first ``escalated`` event counts (bot time never does), and only
    agents' replies (bot and system lines, private notes never do).  A conversation
    handed off and never answered is counted in ``unanswered``, not in the times.
    ``times``: :func:`_first_responses` of the same period and agent, when the caller has it.
    """
    times = _first_responses(p, agent_id) if times is None else times
    values = list(times.values())
    handed = db.session.scalar(select(func.count(ConversationEvent.conversation_id.distinct()))
                               .where(ConversationEvent.kind == "escalated",
                                      ConversationEvent.conversation_id.in_(_scope(p, agent_id))))
    return {"responded": len(values), "unanswered": handed - len(values),
            "median": statistics.median(values) if values else None,
            "p90": percentile(values, 90)}


def csat(p: Period, agent_id=None) -> dict:
    """Ratings of the period's conversations: average, 1-5 distribution, response rate.

    ``response_rate = rated / closed``: of the closed conversations, how many the
    visitor rated (a rating is only possible once a conversation is closed).
    """
    scope = _scope(p, agent_id)
    ratings = list(db.session.scalars(select(Conversation.rating).where(
        Conversation.id.in_(scope), Conversation.rating.is_not(None))))
    closed = db.session.scalar(select(func.count()).where(
        Conversation.id.in_(scope), Conversation.closed_at.is_not(None)))
    return {"rated": len(ratings), "closed": closed,
            "average": statistics.fmean(ratings) if ratings else None,
            "distribution": {n: ratings.count(n) for n in range(1, 6)},
            "response_rate": _rate(len(ratings), closed)}


def per_day(p: Period, agent_id=None) -> list:
    """``[(local day, conversations created that day)]`` for every day of the period.

    For the whole desk, one count per local day, all in one statement: each is a range
    of the created_at index (ix_conversations_created), so no row travels to Python.  One
    agent's chats are few, and a count per day would look their claims up once per day:
    their creation times are bucketed here instead.
    """
    days = p.days()
    if agent_id is not None:
        counts = {d: 0 for d in days}
        for (created,) in db.session.execute(select(Conversation.created_at).where(
                Conversation.id.in_(_scope(p, agent_id)))):
            day = _aware(created).astimezone(p.zone).date()
            if day in counts:
                counts[day] += 1
        return sorted(counts.items())
    counts = [select(func.count()).select_from(_scope(Period(d, d, p.zone)).subquery())
              .scalar_subquery() for d in days]
    return list(zip(days, db.session.execute(select(*counts)).one()))


def per_agent(p: Period, *, times=None) -> list:
    """Per agent: chats handled (claimed or held), median first response time, average CSAT.

    The same figures as ``first_response_time(p, agent)`` and ``csat(p, agent)`` for each
    agent, from three statements for the whole desk rather than seven per agent.
    """
    worked = _worked_by(p)
    times = _first_responses(p) if times is None else times
    ratings = dict(db.session.execute(select(Conversation.id, Conversation.rating).where(
        Conversation.id.in_(_scope(p)), Conversation.rating.is_not(None))).all())
    rows = []
    for user in db.session.scalars(select(User).where(User.role.in_(("agent", "admin")))
                                   .order_by(User.name)):
        ids = worked.get(user.id)
        if not ids:
            continue
        responses = [times[i] for i in ids if i in times]
        rated = [ratings[i] for i in ids if i in ratings]
        rows.append({"id": user.id, "name": user.name, "handled": len(ids),
                     "median_first_response": statistics.median(responses) if responses
                     else None,
                     "csat": statistics.fmean(rated) if rated else None})
    return rows


def _worked_by(p: Period) -> dict:
    """``{user id: ids of the period's conversations they claimed or hold now}``."""
    in_period = _scope(p)
    claimed = select(ConversationEvent.actor_user_id, ConversationEvent.conversation_id).where(
        ConversationEvent.kind == "claimed", ConversationEvent.actor_user_id.is_not(None),
        ConversationEvent.conversation_id.in_(in_period))
    holding = select(Conversation.assigned_agent_id, Conversation.id).where(
        Conversation.assigned_agent_id.is_not(None), Conversation.id.in_(in_period))
    worked = {}
    for user_id, conversation_id in db.session.execute(claimed.union(holding)):
        worked.setdefault(user_id, set()).add(conversation_id)
    return worked


def report(p: Period, agent_id=None) -> dict:
    """Every figure of the reports page; with ``agent_id`` only that agent's work."""
    times = _first_responses(p, agent_id)  # asked once, for first_response and per_agent
    result = {"period": {"first": p.first.isoformat(), "last": p.last.isoformat(),
                         "zone": str(p.zone)},
              "first_response": first_response_time(p, agent_id, times=times),
              "csat": csat(p, agent_id),
              "per_day": [(d.isoformat(), n) for d, n in per_day(p, agent_id)],
              "handoff": handoff_rate(p, agent_id)}
    if agent_id is None:
        result["containment"] = bot_containment(p)
        result["agents"] = per_agent(p, times=times)
    return result


def conversation_ids(metric: str, p: Period, agent_id=None, value=None) -> list:
    """The conversations behind one number of the report (the click-through)."""
    scope = _scope(p, agent_id)
    conversation = select(Conversation.id).where(Conversation.id.in_(scope))
    if metric == "all":
        return _ids(conversation)
    if metric == "bot_handled":
        return _ids(conversation.where(_bot_spoke()))
    if metric == "handed_off":
        return _ids(conversation.where(_escalated()))
    if metric == "contained":
        return _ids(conversation.where(_bot_spoke(), ~_escalated()))
    if metric == "responded":
        return sorted(_first_responses(p, agent_id))
    if metric == "rated":
        return _ids(conversation.where(Conversation.rating.is_not(None)))
    if metric == "closed":
        return _ids(conversation.where(Conversation.closed_at.is_not(None)))
    if metric == "rating":
        return _ids(conversation.where(Conversation.rating == _int(value, 1, 5)))
    if metric == "day":
        try:
            day = date.fromisoformat(value or "")
        except ValueError:
            raise ServiceError("invalid_type", "day is a date such as 2026-03-01.")
        one = Period(day, day, p.zone)
        return _ids(conversation.where(Conversation.created_at >= one.since,
                                       Conversation.created_at < one.until))
    if metric == "reason":
        first = (select(func.min(ConversationEvent.id))  # of the period's chats, not all
                 .where(ConversationEvent.kind == "escalated",
                        ConversationEvent.conversation_id.in_(scope))
                 .group_by(ConversationEvent.conversation_id))
        with_reason = select(ConversationEvent.conversation_id).where(
            ConversationEvent.id.in_(first), ConversationEvent.reason == value)
        return _ids(conversation.where(Conversation.id.in_(with_reason)))
    raise ServiceError("invalid_type", f"metric is one of {', '.join(METRICS)}.")


def _int(value, low, high):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ServiceError("invalid_type", "Give a whole number.")
    if not low <= number <= high:
        raise ServiceError("out_of_range", f"Between {low} and {high}.")
    return number


def conversation_rows(ids: list, limit=500) -> list:
    """What the click-through list shows of each conversation."""
    rows = db.session.execute(
        select(Conversation, User.name).outerjoin(User, User.id == Conversation.assigned_agent_id)
        .where(Conversation.id.in_(ids[:limit])).order_by(Conversation.id.desc())).all()
    return [{"id": c.id, "state": c.state, "created_at": c.created_at, "agent": name,
             "reason": c.handoff_reason, "rating": c.rating} for c, name in rows]
