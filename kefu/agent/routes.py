"""The workspace page; everything live on it goes over the ``/agent`` namespace."""
from flask import render_template, request

from kefu import i18n
from kefu.agent import bp
from kefu.auth.access import roles_required


@bp.get("/")
@roles_required("agent")
def workspace():
    """The three-column workspace; the script picks zh or en and can switch."""
    lang = i18n.language_from_accept(request.headers.get("Accept-Language"))
    return render_template("agent/workspace.html", lang=lang)
