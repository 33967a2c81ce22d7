"""The audit log page: who changed what and when, filtered by action, person and dates."""
from datetime import date, timezone
from zoneinfo import ZoneInfo

from flask import render_template, request, url_for

from kefu.admin import bp
from kefu.services import audit, settings


def _date(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def deployment_zone():
    """Dates in filters are local days of the desk's time zone (business hours), else UTC."""
    hours = settings.get("business_hours") or {}
    return ZoneInfo(hours["tz"]) if hours.get("tz") else timezone.utc


@bp.get("/audit")
def audit_log():
    """Newest first, 100 a page; ``action``, ``actor``, ``target``, ``from``, ``to``, ``before``."""
    action = request.args.get("action") if request.args.get("action") in audit.ACTIONS else None
    actor = request.args.get("actor", type=int)
    target = (request.args.get("target") or "").strip()[:64] or None
    first, last = _date("from"), _date("to")
    since, until = audit.day_range(first, last, deployment_zone())
    entries = audit.entries(actor_id=actor, action=action, target_id=target, since=since,
                            until=until, before_id=request.args.get("before", type=int))
    more = len(entries) == audit.PAGE_SIZE
    older_url = url_for("admin.audit_log", **{**{k: v for k, v in request.args.items()
                                                  if k != "before"},
                                               "before": entries[-1]["id"]}) if more else None
    return render_template("admin/audit.html", entries=entries, actions=audit.ACTIONS,
                           actors=audit.actors(), action=action, actor=actor, target=target,
                           first=first, last=last, more=more, older_url=older_url, zone=deployment_zone())
