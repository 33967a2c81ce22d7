"""The reports' CSV export: one row per conversation of the period, safe to open in a sheet.

The rows are the conversations the report counts (:func:`kefu.services.report_period.scoped`:
same period, same agent scope), so the file and the page never disagree.  Visitor text
reaches a spreadsheet here, and a spreadsheet runs a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and some read a leading tab or carriage return the same way) as a
formula: :func:`safe_cell` makes every such cell plain text with a leading apostrophe
(OWASP's "CSV injection" advice).  Written with the standard library's :mod:`csv`.
"""
import csv
import io

from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import Conversation, ConversationEvent, Message, User, Visitor
from kefu.services import report_period, reports

#: The file's columns, in order (docs/metrics.md, "CSV export").
COLUMNS = ("id", "created", "state", "closed", "handed_off", "handoff_reason", "agent",
           "first_response_seconds", "resolution_seconds", "rating", "messages",
           "visitor", "language", "first_question")
#: A cell starting with one of these is read as a formula by some spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Messages the two sides exchanged (a private note or a system line is not one).
EXCHANGED = ("visitor", "bot", "agent")


def safe_cell(value) -> str:
    """``value`` as CSV text a spreadsheet shows and never evaluates."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _local(value, zone):
    if value is None:
        return None
    return report_period.aware(value).astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def _seconds(value):
    return None if value is None else round(value)


def rows(p: report_period.Period, agent_id=None) -> list:
    """``[dict]`` keyed by :data:`COLUMNS`, one per conversation of the report, oldest first."""
    ids = report_period.scoped(p, agent_id)
    first_reason = dict(db.session.execute(
        select(ConversationEvent.conversation_id, ConversationEvent.reason)
        .where(ConversationEvent.id.in_(
            select(func.min(ConversationEvent.id))
            .where(ConversationEvent.kind == "escalated",
                   ConversationEvent.conversation_id.in_(ids))
            .group_by(ConversationEvent.conversation_id)))).all())
    counts = dict(db.session.execute(
        select(Message.conversation_id, func.count())
        .where(Message.conversation_id.in_(ids), Message.sender.in_(EXCHANGED))
        .group_by(Message.conversation_id)).all())
    first_question = dict(db.session.execute(
        select(Message.conversation_id, Message.text).where(Message.id.in_(
            select(func.min(Message.id))
            .where(Message.conversation_id.in_(ids), Message.sender == "visitor")
            .group_by(Message.conversation_id)))).all())
    responses = reports.first_responses(p, agent_id)
    resolutions = reports.resolution_times(p, agent_id)
    out = []
    for c, visitor_name, agent_name in db.session.execute(
            select(Conversation, Visitor.name, User.name)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .outerjoin(User, User.id == Conversation.assigned_agent_id)
            .where(Conversation.id.in_(ids)).order_by(Conversation.id)):
        out.append({
            "id": c.id, "created": _local(c.created_at, p.zone), "state": c.state,
            "closed": _local(c.closed_at, p.zone),
            "handed_off": "y" if c.id in first_reason else "n",
            "handoff_reason": first_reason.get(c.id), "agent": agent_name,
            "first_response_seconds": _seconds(responses.get(c.id)),
            "resolution_seconds": _seconds(resolutions.get(c.id)),
            "rating": c.rating, "messages": counts.get(c.id, 0), "visitor": visitor_name,
            "language": c.language, "first_question": first_question.get(c.id)})
    return out


def export_csv(p: report_period.Period, agent_id=None) -> str:
    """The CSV text of :func:`rows`, a header line first, every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows(p, agent_id):
        writer.writerow([safe_cell(row[name]) for name in COLUMNS])
    return buffer.getvalue()
