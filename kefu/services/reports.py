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
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import and_, false, func, literal_column, not_, or_, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, User
from kefu.services import assist, reports_bot
from kefu.services.errors import ServiceError
# Period, period and MAX_DAYS are the reports' interface too (the routes, the tests).
from kefu.services.report_period import (MAX_DAYS, Period, ids_of, in_scope,  # noqa: F401
                                         percentile, period, rate, scoped)

#: Metrics whose conversations can be listed (the click-through of each number).
METRICS = ("all", "bot_handled", "contained", "handed_off", "responded", "rated", "closed",
           "day", "rating", "reason", "queued", "abandoned",
           "resolved", "assist", "voted", "unhelpful",
           "hour", "intent", "unanswered", "unresolved")


def _count(*conditions, p: Period, agent_id=None) -> int:
    """How many of the period's conversations meet ``conditions``: one index range, no join."""
    return db.session.scalar(select(func.count()).select_from(Conversation)
                             .where(*in_scope(p, agent_id), *conditions))


def _seconds_of(later, earlier, *conditions, p: Period, agent_id=None) -> dict:
    """``{conversation id: later - earlier in seconds}`` of the period's chats with both."""
    rows = db.session.execute(
        select(Conversation.id, _seconds(later, earlier))
        .where(*in_scope(p, agent_id), later.is_not(None), earlier.is_not(None), *conditions))
    return {cid: round(float(seconds), 3) for cid, seconds in rows}


def _summaries(rows, **per_key) -> dict:
    """``{key: {"rows", "n", "median", "p90", **per_key}}`` of a select of columns
    labelled ``key`` and ``seconds`` (null where a row has no time), per key.

    Counted by the database in one pass: each key's times are ranked (``row_number`` and
    ``count`` over the key's rows, nulls last) and only the ranks the figures need
    travel, the middle one or two and the nearest-rank 90th percentile
    (:func:`percentile`), not one row per conversation.  ``per_key`` names further
    columns of ``rows`` and their aggregate over the key's rows (``rating=func.avg``).
    ``rows`` counts every row of the key, ``n`` those with a time.  Times are rounded
    to the millisecond like :func:`_seconds_of`'s.
    """
    q = rows.subquery()
    key, seconds = q.c.key, q.c.seconds
    ranked = select(
        key.label("key"), seconds.label("seconds"),
        func.row_number().over(partition_by=key,
                               order_by=seconds.asc().nulls_last()).label("rank"),
        func.count(seconds).over(partition_by=key).label("n"),
        func.count().over(partition_by=key).label("rows"),
        *(aggregate(q.c[name]).over(partition_by=key).label(name)
          for name, aggregate in per_key.items())).subquery()
    rank, n = ranked.c.rank, ranked.c.n
    low, high, p90 = (n + 1) // 2, (n + 2) // 2, (90 * n + 99) // 100  # ceil(0.9 n)
    found = {}
    for row in db.session.execute(
            select(ranked, low.label("low"), high.label("high"), p90.label("p90"))
            .where(or_(rank == 1, and_(rank <= n, rank.in_((low, high, p90)))))).mappings():
        figures = found.setdefault(row["key"], {
            "rows": row["rows"], "n": row["n"], "middle": [], "p90": None,
            **{name: row[name] for name in per_key}})
        if row["rank"] > row["n"]:
            continue  # the key's first row has no time: none of its rows has
        value = round(float(row["seconds"]), 3)
        figures["middle"] += [value] * ((row["rank"] == row["low"]) + (row["rank"] == row["high"]))
        if row["rank"] == row["p90"]:
            figures["p90"] = value
    for figures in found.values():
        middle = figures.pop("middle")
        figures["median"] = statistics.fmean(middle) if middle else None
    return found


def _summary(later, earlier, *conditions, p: Period, agent_id=None) -> dict:
    """Count, median and p90 of ``later - earlier`` over the period's chats with both."""
    figures = _summaries(select(literal_column("0").label("key"),
                                _seconds(later, earlier).label("seconds")).where(
        *in_scope(p, agent_id), later.is_not(None), earlier.is_not(None), *conditions))
    return figures.get(0, {"n": 0, "median": None, "p90": None})


#: The figures the conditions below read are the conversation's own columns, kept as its
#: lines and events are stored (kefu.models, migration 0014), so no report joins messages.
BOT_HANDLED = Conversation.bot_spoke_at.is_not(None)
HANDED_OFF = Conversation.first_handoff_at.is_not(None)
#: ``state || ''``: the period's range of ix_conversations_created leads, not every
#: closed chat ever (ix_conversations_state_escalated), which SQLite would pick without
#: planner statistics.
RESOLVED = ((Conversation.state + "") == "closed", Conversation.closed_at.is_not(None),
            HANDED_OFF, Conversation.closed_at >= Conversation.first_handoff_at)
QUEUED = Conversation.queued_at.is_not(None)
ABANDONED = (QUEUED, Conversation.abandoned_at.is_not(None))


def bot_containment(p: Period, agent_id=None) -> dict:
    """Of the conversations the bot answered in, the share that never went to a person.

    ``rate = contained / bot_handled``; a conversation with both a bot answer and a
    handoff counts as handed off, so the rate never exceeds 1.
    """
    handled, handed = db.session.execute(
        select(func.count(), func.count(Conversation.first_handoff_at))
        .where(*in_scope(p, agent_id), BOT_HANDLED)).one()
    return {"bot_handled": handled, "handed_off": handed, "contained": handled - handed,
            "rate": rate(handled - handed, handled)}


def handoff_rate(p: Period, agent_id=None) -> dict:
    """Conversations that went to a person / all conversations, and by first reason."""
    total = _count(p=p, agent_id=agent_id)
    reasons = dict(db.session.execute(
        select(Conversation.first_handoff_reason, func.count())
        .where(*in_scope(p, agent_id), HANDED_OFF)
        .group_by(Conversation.first_handoff_reason)).all())
    handed = sum(reasons.values())
    return {"conversations": total, "handed_off": handed, "rate": rate(handed, total),
            "by_reason": {reason or "unknown": n for reason, n in sorted(
                reasons.items(), key=lambda kv: (-kv[1], kv[0] or ""))}}


def first_responses(p: Period, agent_id=None) -> dict:
    """``{conversation id: seconds}`` from the first handoff to the first person's reply."""
    return _seconds_of(Conversation.first_response_at, Conversation.first_handoff_at,
                       p=p, agent_id=agent_id)


def _seconds(later, earlier):
    """``later - earlier`` in seconds, computed by the database.

    Reading two timestamps per chat into Python cost more than the query itself on a
    million messages; the difference is one float.  Rounded to the millisecond by the
    caller (SQLite's julianday carries about 50 microseconds of float error).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
    return func.extract("epoch", later - earlier)


def first_response_time(p: Period, agent_id=None, *, handed=None) -> dict:
    """Seconds from the handoff to the first human reply: median and p90.

    Only time after the first ``escalated`` event counts (bot time never does), and only
    agents' replies (bot and system lines, private notes never do).  A conversation
    handed off and never answered is counted in ``unanswered``, not in the times.
    ``handed``: the period's handed-off count, when the caller has it.
    """
    times = _summary(Conversation.first_response_at, Conversation.first_handoff_at,
                     p=p, agent_id=agent_id)
    handed = _count(HANDED_OFF, p=p, agent_id=agent_id) if handed is None else handed
    return {"responded": times["n"], "unanswered": handed - times["n"],
            "median": times["median"], "p90": times["p90"]}


def resolution_times(p: Period, agent_id=None) -> dict:
    """``{conversation id: seconds}`` from the first handoff to the close, closed chats only.

    An abandoned chat (it also has a ``closed_at``) was never resolved, and a chat still
    open has no end yet: neither is in the result.
    """
    return _seconds_of(Conversation.closed_at, Conversation.first_handoff_at, *RESOLVED,
                       p=p, agent_id=agent_id)


def abandon_times(p: Period, agent_id=None) -> dict:
    """``{abandoned conversation id: seconds in the queue}``.

    The queue is entered by a handoff (``escalated``) or, after a takeover, by the agent
    leaving (``requeued``); the clock of an abandoned chat starts at its latest entry.
    """
    return _seconds_of(Conversation.abandoned_at, Conversation.queued_at, p=p,
                       agent_id=agent_id)


def abandonment(p: Period, agent_id=None) -> dict:
    """Of the chats that went to the queue, the share the visitor left before a person came.

    ``rate = abandoned / queued``; time to abandon (median, p90) runs from the chat's
    latest entry into the queue to its ``abandoned`` event.
    """
    queued = _count(QUEUED, p=p, agent_id=agent_id)
    times = _summary(Conversation.abandoned_at, Conversation.queued_at, p=p, agent_id=agent_id)
    return {"queued": queued, "abandoned": times["n"], "rate": rate(times["n"], queued),
            "median": times["median"], "p90": times["p90"]}


def resolution_time(p: Period, agent_id=None, *, handed=None) -> dict:
    """Seconds from the first handoff to the close of the handed-off chats closed: median, p90.

    ``unresolved`` are the handed-off chats without a close: still open, or abandoned.
    ``handed``: the period's handed-off count, when the caller has it.
    """
    times = _summary(Conversation.closed_at, Conversation.first_handoff_at, *RESOLVED,
                     p=p, agent_id=agent_id)
    handed = _count(HANDED_OFF, p=p, agent_id=agent_id) if handed is None else handed
    return {"resolved": times["n"], "unresolved": handed - times["n"],
            "median": times["median"], "p90": times["p90"]}


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
    counts = dict(db.session.execute(
        select(Conversation.rating, func.count()).where(*in_scope(p, agent_id),
                                                        Conversation.rating.is_not(None))
        .group_by(Conversation.rating)).all())
    rated = sum(counts.values())
    closed = _count(Conversation.closed_at.is_not(None), p=p, agent_id=agent_id)
    return {"rated": rated, "closed": closed,
            "average": sum(n * k for n, k in counts.items()) / rated if rated else None,
            "distribution": {n: counts.get(n, 0) for n in range(1, 6)},
            "response_rate": rate(rated, closed)}


def per_day(p: Period, agent_id=None) -> list:
    """``[(local day, conversations created that day)]`` for every day of the period.

    For the whole desk, one count per local day, all in one statement: each is a range
    of the created_at index (ix_conversations_created), so no row travels to Python.
    One agent's chats are counted from the hours of :func:`_hours` (a count per day
    would look their claims up once per day).
    """
    days = p.days()
    if agent_id is not None:
        counts = {d: 0 for d in days}
        for start, n in _hours(p, agent_id):
            day = start.astimezone(p.zone).date()
            if day in counts:
                counts[day] += n
        return sorted(counts.items())
    counts = [select(func.count()).select_from(Conversation)
              .where(*in_scope(Period(d, d, p.zone))).scalar_subquery() for d in days]
    return list(zip(days, db.session.execute(select(*counts)).one()))


def hour_of_week(p: Period, agent_id=None) -> list:
    """``grid[weekday][hour]``: conversations created in each local hour of the week.

    Weekday 0 is Monday; hours are the desk's zone's, so a chat opened at 00:30 in
    Shanghai is Monday 0:00 there whatever the UTC clock said.
    """
    grid = [[0] * 24 for _ in range(7)]
    for start, n in _hours(p, agent_id):
        local = start.astimezone(p.zone)
        grid[local.weekday()][local.hour] += n
    return grid


def _hours(p: Period, agent_id=None) -> list:
    """``[(UTC start of an hour or minute, conversations created in it)]`` of the period.

    Counted by the database, from the leading characters of the stored time on SQLite
    (its date functions cost more than the rest of the statement): at most 24 rows a day
    travel, not one per conversation.  In a zone whose offset is not whole hours (India,
    Nepal) an hour of UTC spans two local hours, so the buckets are minutes there.
    """
    whole_hours = all(p.zone.utcoffset(datetime.combine(d, time(12))).total_seconds() % 3600
                      == 0 for d in p.days())
    created = Conversation.created_at
    if db.session.get_bind().dialect.name == "sqlite":
        bucket = func.substr(created, 1, 13 if whole_hours else 16)
    else:
        bucket = func.to_char(func.timezone("UTC", created),
                              "YYYY-MM-DD HH24" if whole_hours else "YYYY-MM-DD HH24:MI")
    rows = db.session.execute(select(bucket, func.count()).where(*in_scope(p, agent_id))
                              .group_by(bucket)).all()
    shape = "%Y-%m-%d %H" if whole_hours else "%Y-%m-%d %H:%M"
    return [(datetime.strptime(start, shape).replace(tzinfo=timezone.utc), n)
            for start, n in rows]


def _hour_ranges(p: Period, wanted: tuple) -> list:
    """The UTC ``(since, until)`` spans of the period in local weekday-hour ``wanted``."""
    spans, moment = [], p.since
    while moment < p.until:  # quarter hours: every zone's offset is a whole number of them
        local = moment.astimezone(p.zone)
        if (local.weekday(), local.hour) == wanted:
            end = moment + timedelta(minutes=15)
            if spans and spans[-1][1] == moment:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((moment, end))
        moment += timedelta(minutes=15)
    return spans


def _weekday_hour(value) -> tuple:
    try:
        weekday, hour = (int(part) for part in (value or "").split("-"))
    except ValueError:
        raise ServiceError("invalid_type", "value is a weekday and an hour such as 0-13.")
    if not (0 <= weekday <= 6 and 0 <= hour <= 23):
        raise ServiceError("out_of_range", "Weekday 0-6 (Monday first), hour 0-23.")
    return weekday, hour


def per_agent(p: Period) -> list:
    """Per agent: chats handled (claimed or held), median first response time, average CSAT.

    The same figures as ``first_response_time(p, agent)`` and ``csat(p, agent)`` for each
    agent, counted by the database for the whole desk in one statement (the medians by
    window functions, :func:`_summaries`), so that no row per conversation travels.
    """
    worked, c = _worked_by(p), Conversation
    figures = _summaries(
        select(worked.c.user_id.label("key"),
               _seconds(c.first_response_at, c.first_handoff_at).label("seconds"),
               c.rating).join(c, c.id == worked.c.conversation_id), rating=func.avg)
    rows = []
    for user in db.session.scalars(select(User).where(User.id.in_(list(figures)))
                                   .order_by(User.name)):
        mine = figures[user.id]
        rows.append({"id": user.id, "name": user.name, "handled": mine["rows"],
                     "median_first_response": mine["median"],
                     "csat": float(mine["rating"]) if mine["rating"] is not None else None})
    return rows


def _worked_by(p: Period):
    """``(user_id, conversation_id)``: the period's conversations each user claimed or holds.

    A subquery, one row per pair (the UNION drops repeats).  The claims are looked up per
    conversation of the period (ix_events_kind_conversation): without planner statistics
    SQLite would otherwise walk every claim ever made (ix_events_kind_actor).
    """
    claimed = select(ConversationEvent.actor_user_id.label("user_id"),
                     ConversationEvent.conversation_id).where(
        ConversationEvent.kind == "claimed", ConversationEvent.conversation_id.in_(scoped(p)))
    holding = select(Conversation.assigned_agent_id, Conversation.id).where(
        Conversation.assigned_agent_id.is_not(None), *in_scope(p))
    pairs = claimed.union(holding).subquery()
    return select(pairs).where(pairs.c.user_id.is_not(None)).subquery()


def report(p: Period, agent_id=None) -> dict:
    """Every figure of the reports page; with ``agent_id`` only that agent's work."""
    handoff = handoff_rate(p, agent_id)  # its count serves first_response and resolution
    handed = handoff["handed_off"]
    result = {"period": {"first": p.first.isoformat(), "last": p.last.isoformat(),
                         "zone": str(p.zone)},
              "first_response": first_response_time(p, agent_id, handed=handed),
              "csat": csat(p, agent_id),
              "per_day": [(d.isoformat(), n) for d, n in per_day(p, agent_id)],
              "handoff": handoff,
              "abandonment": abandonment(p, agent_id),
              "resolution": resolution_time(p, agent_id, handed=handed),
              "assist": assist_use(p, agent_id),
              "hour_of_week": hour_of_week(p, agent_id)}
    if agent_id is None:
        result["containment"] = bot_containment(p)
        result["agents"] = per_agent(p)
        answers = reports_bot.answers_by_intent(p)
        result["helpful"] = reports_bot.helpful_by_intent(p, rows=answers)
        result["top_intents"] = reports_bot.top_intents(p, rows=answers)
        result["top_unanswered"] = reports_bot.top_unanswered(p)
    return result


def conversation_ids(metric: str, p: Period, agent_id=None, value=None) -> list:
    """The conversations behind one number of the report (the click-through)."""
    conversation = select(Conversation.id).where(*in_scope(p, agent_id))
    own_figures = {"all": (), "bot_handled": (BOT_HANDLED,), "handed_off": (HANDED_OFF,),
                   "contained": (BOT_HANDLED, ~HANDED_OFF), "queued": (QUEUED,),
                   "abandoned": ABANDONED, "resolved": RESOLVED,
                   "responded": (Conversation.first_response_at.is_not(None), HANDED_OFF),
                   "rated": (Conversation.rating.is_not(None),),
                   "closed": (Conversation.closed_at.is_not(None),)}
    if metric in own_figures:
        return ids_of(conversation.where(*own_figures[metric]))
    if metric == "unresolved":
        return ids_of(conversation.where(HANDED_OFF, not_(and_(*RESOLVED))))
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
        spans = _hour_ranges(p, _weekday_hour(value))
        return ids_of(conversation.where(or_(false(), *(
            and_(Conversation.created_at >= since, Conversation.created_at < until)
            for since, until in spans))))
    if metric == "intent":
        return ids_of(conversation.where(Conversation.id.in_(
            reports_bot.bot_answers(p, agent_id).where(Message.intent == value))))
    if metric == "unanswered":
        return reports_bot.conversations_missing(p, value or "", agent_id)
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
        return ids_of(conversation.where(HANDED_OFF,
                                         Conversation.first_handoff_reason == value))
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
