"""The numbers a support lead reads each morning, each computed by one function.

Every metric is defined in docs/metrics.md.  A report covers the conversations *created*
in a period of local days (the desk's time zone), optionally only those an agent worked
(claimed, or holds now).  Each function returns its figures and, through
:func:`conversation_ids`, the conversations behind every number, so the page can link
each number to them.  The period and the scope live in :mod:`kefu.services.report_period`,
the bot's own figures in :mod:`kefu.services.reports_bot`, the CSV in
:mod:`kefu.services.reports_export`.
"""
import statistics
from datetime import date

from sqlalchemy import and_, exists, func, or_, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, User
from kefu.services import assist, reports_bot
from kefu.services.errors import ServiceError
# Period, period and MAX_DAYS are the reports' interface too (the routes, the tests).
from kefu.services.report_period import (MAX_DAYS, Period, aware, ids_of,  # noqa: F401
                                         percentile, period, rate, scoped)

#: Metrics whose conversations can be listed (the click-through of each number).
METRICS = ("all", "bot_handled", "contained", "handed_off", "responded", "rated", "closed",
           "day", "rating", "reason", "queued", "abandoned",
           "resolved", "assist", "voted", "unhelpful",
           "hour", "intent", "unanswered", "unresolved")


def _bot_spoke():
    return exists().where(Message.conversation_id == Conversation.id, Message.sender == "bot")


def _escalated():
    return exists().where(ConversationEvent.conversation_id == Conversation.id,
                          ConversationEvent.kind == "escalated")


def bot_containment(p: Period, agent_id=None) -> dict:
    """Of the conversations the bot answered in, the share that never went to a person.

    ``rate = contained / bot_handled``; a conversation with both a bot answer and a
    handoff counts as handed off, so the rate never exceeds 1.
    """
    scope = scoped(p, agent_id).where(_bot_spoke())
    handled = db.session.scalar(select(func.count()).select_from(scope.subquery()))
    handed = db.session.scalar(select(func.count()).select_from(
        scope.where(_escalated()).subquery()))
    return {"bot_handled": handled, "handed_off": handed, "contained": handled - handed,
            "rate": rate(handled - handed, handled)}


def handoff_rate(p: Period, agent_id=None) -> dict:
    """Conversations that went to a person / all conversations, and by first reason."""
    scope = scoped(p, agent_id)
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
    return {"conversations": total, "handed_off": handed, "rate": rate(handed, total),
            "by_reason": {reason or "unknown": n for reason, n in sorted(
                reasons.items(), key=lambda kv: (-kv[1], kv[0] or ""))}}


def first_responses(p: Period, agent_id=None) -> dict:
    """``{conversation id: seconds}`` from the first handoff to the first person's reply.

    The database finds each conversation's first agent reply at or after its first
    handoff (ix_messages_conversation_sender), so only one row per answered chat comes
    back, not every agent line of the period.
    """
    handoff = (select(ConversationEvent.conversation_id.label("id"),
                      func.min(ConversationEvent.created_at).label("at"))
               .where(ConversationEvent.kind == "escalated",
                      ConversationEvent.conversation_id.in_(scoped(p, agent_id)))
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


def first_response_time(p: Period, agent_id=None, *, times=None) -> dict:
    """Seconds from the handoff to the first human reply: median and p90.

    Only time after the first ``escalated`` event counts (bot time never does), and only
    agents' replies (bot and system lines, private notes never do).  A conversation
    handed off and never answered is counted in ``unanswered``, not in the times.
    ``times``: :func:`first_responses` of the same period and agent, when the caller has it.
    """
    times = first_responses(p, agent_id) if times is None else times
    values = list(times.values())
    handed = db.session.scalar(select(func.count(ConversationEvent.conversation_id.distinct()))
                               .where(ConversationEvent.kind == "escalated",
                                      ConversationEvent.conversation_id.in_(scoped(p, agent_id))))
    return {"responded": len(values), "unanswered": handed - len(values),
            "median": statistics.median(values) if values else None,
            "p90": percentile(values, 90)}


def resolution_times(p: Period, agent_id=None) -> dict:
    """``{conversation id: seconds}`` from the first handoff to the close, closed chats only.

    An abandoned chat (it also has a ``closed_at``) was never resolved, and a chat still
    open has no end yet: neither is in the result.
    """
    rows = db.session.execute(
        select(Conversation.id, func.min(ConversationEvent.created_at), Conversation.closed_at)
        .join(ConversationEvent, ConversationEvent.conversation_id == Conversation.id)
        .where(Conversation.id.in_(scoped(p, agent_id)), Conversation.state == "closed",
               Conversation.closed_at.is_not(None), ConversationEvent.kind == "escalated")
        .group_by(Conversation.id, Conversation.closed_at)).all()
    return {cid: (aware(end) - aware(start)).total_seconds()
            for cid, start, end in rows if aware(end) >= aware(start)}


def _queue_and_abandon(p: Period, agent_id=None) -> tuple:
    """``(conversations that went to the queue, {abandoned one: seconds in the queue})``.

    The queue is entered by a handoff (``escalated``) or, after a takeover, by the agent
    leaving (``requeued``); the clock of an abandoned chat starts at its latest entry.
    """
    rows = db.session.execute(
        select(ConversationEvent.conversation_id, ConversationEvent.kind,
               ConversationEvent.created_at)
        .where(ConversationEvent.conversation_id.in_(scoped(p, agent_id)),
               or_(ConversationEvent.to_state == "waiting",
                   ConversationEvent.kind == "abandoned"))
        .order_by(ConversationEvent.conversation_id, ConversationEvent.id)).all()
    entered, seconds = {}, {}
    for conversation_id, kind, at in rows:
        if kind != "abandoned":
            entered[conversation_id] = aware(at)
        elif conversation_id in entered:
            seconds[conversation_id] = (aware(at) - entered[conversation_id]).total_seconds()
    return set(entered), seconds


def abandonment(p: Period, agent_id=None) -> dict:
    """Of the chats that went to the queue, the share the visitor left before a person came.

    ``rate = abandoned / queued``; time to abandon (median, p90) runs from the chat's
    latest entry into the queue to its ``abandoned`` event.
    """
    queued, seconds = _queue_and_abandon(p, agent_id)
    values = list(seconds.values())
    return {"queued": len(queued), "abandoned": len(values),
            "rate": rate(len(values), len(queued)),
            "median": statistics.median(values) if values else None,
            "p90": percentile(values, 90)}


def resolution_time(p: Period, agent_id=None) -> dict:
    """Seconds from the first handoff to the close of the handed-off chats closed: median, p90.

    ``unresolved`` are the handed-off chats without a close: still open, or abandoned.
    """
    times = resolution_times(p, agent_id)
    values = list(times.values())
    handed = handoff_rate(p, agent_id)["handed_off"]
    return {"resolved": len(values), "unresolved": handed - len(values),
            "median": statistics.median(values) if values else None,
            "p90": percentile(values, 90)}


def _assist_events(p: Period, agent_id=None):
    """The ``assist`` events of the period's chats; an agent's own drafts only, for an agent."""
    query = select(ConversationEvent.conversation_id, ConversationEvent.reason).where(
        ConversationEvent.kind == assist.EVENT_KIND,
        ConversationEvent.conversation_id.in_(scoped(p, agent_id)))
    if agent_id is not None:
        query = query.where(ConversationEvent.actor_user_id == agent_id)
    return query


def assist_use(p: Period, agent_id=None) -> dict:
    """What agents made of the bot's drafts: how many, and the share sent as is, edited, ignored.

    ``share = drafts with that use / drafts settled``; a draft counts once, when the
    agent's reply settles it (docs/assist.md).
    """
    uses = {use: 0 for use in assist.USES}
    for _, use in db.session.execute(_assist_events(p, agent_id)):
        if use in uses:
            uses[use] += 1
    total = sum(uses.values())
    return {"drafts": total, "uses": uses,
            "shares": {use: rate(n, total) for use, n in uses.items()}}


def csat(p: Period, agent_id=None) -> dict:
    """Ratings of the period's conversations: average, 1-5 distribution, response rate.

    ``response_rate = rated / closed``: of the closed conversations, how many the
    visitor rated (a rating is only possible once a conversation is closed).
    """
    scope = scoped(p, agent_id)
    ratings = list(db.session.scalars(select(Conversation.rating).where(
        Conversation.id.in_(scope), Conversation.rating.is_not(None))))
    closed = db.session.scalar(select(func.count()).where(
        Conversation.id.in_(scope), Conversation.closed_at.is_not(None)))
    return {"rated": len(ratings), "closed": closed,
            "average": statistics.fmean(ratings) if ratings else None,
            "distribution": {n: ratings.count(n) for n in range(1, 6)},
            "response_rate": rate(len(ratings), closed)}


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
                Conversation.id.in_(scoped(p, agent_id)))):
            day = aware(created).astimezone(p.zone).date()
            if day in counts:
                counts[day] += 1
        return sorted(counts.items())
    counts = [select(func.count()).select_from(scoped(Period(d, d, p.zone)).subquery())
              .scalar_subquery() for d in days]
    return list(zip(days, db.session.execute(select(*counts)).one()))


def hour_of_week(p: Period, agent_id=None) -> list:
    """``grid[weekday][hour]``: conversations created in each local hour of the week.

    Weekday 0 is Monday; hours are the desk's zone's, so a chat opened at 00:30 in
    Shanghai is Monday 0:00 there whatever the UTC clock said.
    """
    grid = [[0] * 24 for _ in range(7)]
    for when in _created_local(p, agent_id).values():
        grid[when.weekday()][when.hour] += 1
    return grid


def _created_local(p: Period, agent_id=None) -> dict:
    """``{conversation id: created, in the desk's zone}`` for the period's conversations."""
    return {cid: aware(created).astimezone(p.zone) for cid, created in db.session.execute(
        select(Conversation.id, Conversation.created_at).where(
            Conversation.id.in_(scoped(p, agent_id))))}


def _weekday_hour(value) -> tuple:
    try:
        weekday, hour = (int(part) for part in (value or "").split("-"))
    except ValueError:
        raise ServiceError("invalid_type", "value is a weekday and an hour such as 0-13.")
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ServiceError("out_of_range", "Weekday 0-6 (Monday first), hour 0-23.")
    return weekday, hour


def per_agent(p: Period, *, times=None) -> list:
    """Per agent: chats handled (claimed or held), median first response time, average CSAT.

    The same figures as ``first_response_time(p, agent)`` and ``csat(p, agent)`` for each
    agent, from three statements for the whole desk rather than seven per agent.
    """
    worked = _worked_by(p)
    times = first_responses(p) if times is None else times
    ratings = dict(db.session.execute(select(Conversation.id, Conversation.rating).where(
        Conversation.id.in_(scoped(p)), Conversation.rating.is_not(None))).all())
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
    in_period = scoped(p)
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
    times = first_responses(p, agent_id)  # asked once, for first_response and per_agent
    result = {"period": {"first": p.first.isoformat(), "last": p.last.isoformat(),
                         "zone": str(p.zone)},
              "first_response": first_response_time(p, agent_id, times=times),
              "csat": csat(p, agent_id),
              "per_day": [(d.isoformat(), n) for d, n in per_day(p, agent_id)],
              "handoff": handoff_rate(p, agent_id),
              "abandonment": abandonment(p, agent_id),
              "resolution": resolution_time(p, agent_id),
              "assist": assist_use(p, agent_id),
              "hour_of_week": hour_of_week(p, agent_id)}
    if agent_id is None:
        result["containment"] = bot_containment(p)
        result["agents"] = per_agent(p, times=times)
        result["helpful"] = reports_bot.helpful_by_intent(p)
        result["top_intents"] = reports_bot.top_intents(p)
        result["top_unanswered"] = reports_bot.top_unanswered(p)
    return result


def conversation_ids(metric: str, p: Period, agent_id=None, value=None) -> list:
    """The conversations behind one number of the report (the click-through)."""
    scope = scoped(p, agent_id)
    conversation = select(Conversation.id).where(Conversation.id.in_(scope))
    if metric == "all":
        return ids_of(conversation)
    if metric == "bot_handled":
        return ids_of(conversation.where(_bot_spoke()))
    if metric == "handed_off":
        return ids_of(conversation.where(_escalated()))
    if metric == "contained":
        return ids_of(conversation.where(_bot_spoke(), ~_escalated()))
    if metric == "responded":
        return sorted(first_responses(p, agent_id))
    if metric == "queued":
        return sorted(_queue_and_abandon(p, agent_id)[0])
    if metric == "abandoned":
        return sorted(_queue_and_abandon(p, agent_id)[1])
    if metric == "resolved":
        return sorted(resolution_times(p, agent_id))
    if metric == "unresolved":
        return sorted(set(ids_of(conversation.where(_escalated())))
                      - set(resolution_times(p, agent_id)))
    if metric == "assist":
        if value not in assist.USES:
            raise ServiceError("invalid_type", f"value is one of {', '.join(assist.USES)}.")
        used = _assist_events(p, agent_id).where(ConversationEvent.reason == value)
        return ids_of(conversation.where(Conversation.id.in_(
            select(used.subquery().c.conversation_id))))
    if metric in ("voted", "unhelpful"):
        answers = reports_bot.bot_answers(p, agent_id).where(Message.intent == value)
        answers = answers.where(Message.helpful.is_(False) if metric == "unhelpful"
                                else Message.helpful.is_not(None))
        return ids_of(conversation.where(Conversation.id.in_(answers)))
    if metric == "hour":
        wanted = _weekday_hour(value)
        return sorted(cid for cid, when in _created_local(p, agent_id).items()
                      if (when.weekday(), when.hour) == wanted)
    if metric == "intent":
        return ids_of(conversation.where(Conversation.id.in_(
            reports_bot.bot_answers(p, agent_id).where(Message.intent == value))))
    if metric == "unanswered":
        return reports_bot.conversations_missing(p, value or "", agent_id)
    if metric == "rated":
        return ids_of(conversation.where(Conversation.rating.is_not(None)))
    if metric == "closed":
        return ids_of(conversation.where(Conversation.closed_at.is_not(None)))
    if metric == "rating":
        return ids_of(conversation.where(Conversation.rating == _int(value, 1, 5)))
    if metric == "day":
        try:
            day = date.fromisoformat(value or "")
        except ValueError:
            raise ServiceError("invalid_type", "day is a date such as 2026-03-01.")
        one = Period(day, day, p.zone)
        return ids_of(conversation.where(Conversation.created_at >= one.since,
                                       Conversation.created_at < one.until))
    if metric == "reason":
        first = (select(func.min(ConversationEvent.id))  # of the period's chats, not all
                 .where(ConversationEvent.kind == "escalated",
                        ConversationEvent.conversation_id.in_(scope))
                 .group_by(ConversationEvent.conversation_id))
        with_reason = select(ConversationEvent.conversation_id).where(
            ConversationEvent.id.in_(first), ConversationEvent.reason == value)
        return ids_of(conversation.where(Conversation.id.in_(with_reason)))
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
