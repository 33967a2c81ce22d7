"""The audit log page: who changed what and when, filtered by action, person and dates."""
from datetime import date

from flask import render_template, request, url_for

from kefu.admin import bp
from kefu.services import audit, settings


def _date(name):
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/audit")
def audit_log():
    """Newest first, 100 a page; ``action``, ``actor``, ``target``, ``from``, ``to``, ``before``."""
    action = request.args.get("action") if request.args.get("action") in audit.ACTIONS else None
    actor = request.args.get("actor", type=int)
    target = (request.args.get("target") or "").strip()[:64] or None
    first, last = _date("from"), _date("to")
    zone = settings.desk_zone()  # dates are local days of the desk
    since, until = settings.local_day_range(first, last, zone)
    entries = audit.entries(actor_id=actor, action=action, target_id=target, since=since,
                            until=until, before_id=request.args.get("before", type=int))
    more = len(entries) == audit.PAGE_SIZE
    older_url = url_for("admin.audit_log", **{**{k: v for k, v in request.args.items()
                                                  if k != "before"},
                                               "before": entries[-1]["id"]}) if more else None
    return render_template("admin/audit.html", entries=entries, actions=audit.ACTIONS,
                           actors=audit.actors(), action=action, actor=actor, target=target,
                           first=first, last=last, more=more, older_url=older_url, zone=zone)
