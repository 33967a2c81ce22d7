"""The workspace page; everything live on it goes over the ``/agent`` namespace."""
import functools

from flask import abort, render_template, request
from flask_login import current_user, login_required

from kefu import i18n
from kefu.agent import bp


def roles_required(*roles):
    """Logged-in users with one of ``roles`` (admins always) pass; others get 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


@bp.get("/")
@roles_required("agent")
def workspace():
    """The three-column workspace; the script picks zh or en and can switch."""
    lang = i18n.language_from_accept(request.headers.get("Accept-Language"))
    return render_template("agent/workspace.html", lang=lang)
