"""Reports: the figures, and the conversations behind each of them."""
from datetime import date

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from kefu.auth.access import roles_required
from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.pages_i18n import error_text
from kefu.reports import bp
from kefu.services import reports, reports_export
from kefu.services.errors import ServiceError


def _day(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _who():
    """Admins see everyone's work; an agent only their own (never another agent's)."""
    return None if current_user.role == "admin" else current_user.id


def _period():
    return reports.period(_day("from"), _day("to"))


@bp.errorhandler(ServiceError)
def service_error(error):
    """A bad date range or metric: said on the page, 400."""
    return render_template("reports/error.html", message=error_text(error)), 400


@bp.get("/")
@roles_required("agent")
def index():
    """The figures of the period, with charts; every number links to its conversations."""
    p = _period()
    return render_template("reports/index.html", data=reports.report(p, _who()), period=p,
                           mine=_who() is not None)


@bp.get("/conversations")
@roles_required("agent")
def conversations():
    """The conversations behind one number (``metric``, with ``value`` for day/rating/reason)."""
    p = _period()
    metric = request.args.get("metric", "all")
    value = request.args.get("value")
    ids = reports.conversation_ids(metric, p, _who(), value)
    return render_template("reports/conversations.html", rows=reports.conversation_rows(ids),
                           total=len(ids), metric=metric, value=value, period=p,
                           ids=ids)


@bp.get("/conversations/<int:conversation_id>")
@roles_required("agent")
def transcript(conversation_id):
    """One conversation as read on the desk, private notes included (desk users only)."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    messages = db.session.scalars(select(Message).where(
        Message.conversation_id == conversation_id).order_by(Message.id)).all()
    return render_template("reports/transcript.html", conversation=conversation,
                           messages=messages)


@bp.get("/export.csv")
@roles_required("agent")
def export_csv():
    """The period's conversations as CSV, one row each (admins all, an agent their own)."""
    p = _period()
    name = f"kefu-conversations-{p.first.isoformat()}-{p.last.isoformat()}.csv"
    # A byte-order mark, so a spreadsheet opens Chinese text as UTF-8.
    body = "\ufeff" + reports_export.export_csv(p, _who())
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store"})
