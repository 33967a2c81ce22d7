"""Guarding HTTP views by role.

The role rules themselves live on the models (``User.has_role``, ``User.is_desk_user``,
``Conversation.writable_by``), so HTTP views, Socket.IO handlers and services ask the
same question and get the same answer; this module only turns a refusal into the
answer a page or the API gives.
"""
import functools

from flask import abort, jsonify, redirect, request, url_for
from flask_login import current_user

def home_of(user) -> str:
    """Where a user lands after login: agents and admins the workspace, editors the studio."""
    if user.has_role("agent"):
        return url_for("agent.workspace")
    if user.has_role("editor"):
        return url_for("studio.intents")
    return url_for("widget.demo_shop")


def json_error(status: int, code: str, message: str):
    """The REST error shape: ``{"ok": false, "error": {code, message}}``."""
    response = jsonify({"ok": False, "error": {"code": code, "message": message}})
    response.status_code = status
    return response


def roles_required(*roles):
    """Let logged-in active users with one of ``roles`` (admins always) through.

    Under ``/api/`` the refusal is JSON (401 ``unauthorized`` without a login, 403
    ``forbidden`` for a deactivated user or a role that may not, as on ``/agent``);
    pages redirect anonymous users to the login form and answer 403 otherwise.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            api = request.path.startswith("/api/")
            # Flask-Login counts a deactivated user as not authenticated; they are still
            # known, so they get ``forbidden`` here exactly as on ``/agent``.
            known = (current_user.is_authenticated
                     or getattr(current_user, "active", None) is False)
            if not known:
                if api:
                    return json_error(401, "unauthorized", "Log in first.")
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.active or not current_user.has_role(*roles):
                if api:
                    return json_error(403, "forbidden", "Your role may not do this.")
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
