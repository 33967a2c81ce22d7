"""The API's views: read a request, call a service, answer JSON."""
from flask import current_app, request
from flask_login import current_user

from kefu.api import bp
from kefu.auth.access import roles_required
from kefu.extensions import limiter
from kefu.services import canned, mail, search, settings, tickets
from kefu.services.errors import ServiceError


def _json() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ServiceError("invalid_payload", "The body must be a JSON object.")
    return data


def _string(data, name, max_length):
    value = data.get(name)
    if value is None:
        raise ServiceError("missing_field", f"The field '{name}' is required.")
    if not isinstance(value, str):
        raise ServiceError("invalid_type", f"The field '{name}' must be a string.")
    if not value.strip():
        raise ServiceError("empty_field", f"The field '{name}' must not be empty.")
    if len(value) > max_length:
        raise ServiceError("field_too_long", f"The field '{name}' is longer than {max_length}.")
    return value


@bp.get("/conversations/search")
@roles_required("agent")
@limiter.limit(lambda: current_app.config["SEARCH_RATE_LIMIT"],
               key_func=lambda: f"search:{current_user.id}")
def search_conversations():
    """Past conversations whose messages contain ``q``."""
    return {"ok": True, "results": search.search_conversations(request.args.get("q", ""))}


@bp.get("/canned")
@roles_required("agent")
def list_canned():
    """Canned replies; with ``conversation_id`` each has its text ``rendered`` for that chat."""
    replies = canned.list_replies()
    conversation_id = request.args.get("conversation_id", type=int)
    if conversation_id is not None:
        for reply in replies:
            reply["rendered"] = canned.render(reply["text"], conversation_id, current_user.id)
    return {"ok": True, "canned": replies}


@bp.post("/canned")
@roles_required("admin")
def create_canned():
    """Add a canned reply (admins)."""
    data = _json()
    reply = canned.create(_string(data, "shortcut", 40), _string(data, "text", 2000))
    return {"ok": True, "canned": reply}, 201


@bp.put("/canned/<int:reply_id>")
@roles_required("admin")
def update_canned(reply_id):
    """Change a canned reply (admins)."""
    data = _json()
    return {"ok": True, "canned": canned.update(reply_id, _string(data, "shortcut", 40),
                                                _string(data, "text", 2000))}


@bp.delete("/canned/<int:reply_id>")
@roles_required("admin")
def delete_canned(reply_id):
    """Remove a canned reply (admins)."""
    canned.delete(reply_id)
    return {"ok": True}


@bp.get("/tickets")
@roles_required("agent")
def list_tickets():
    """Left messages, newest first (``?status=open`` or ``answered``).

    ``email_replies`` says whether an answer will be emailed (mail is configured).
    """
    return {"ok": True, "tickets": tickets.list_tickets(request.args.get("status")),
            "email_replies": mail.configured()}


@bp.post("/tickets/<int:ticket_id>/reply")
@roles_required("agent")
def reply_ticket(ticket_id):
    """Answer a ticket; it is then ``answered``."""
    text = _string(_json(), "text", 2000).strip()
    return {"ok": True, "ticket": tickets.reply(ticket_id, current_user.id, text)}


@bp.get("/settings")
@roles_required("admin")
def get_settings():
    """Desk settings (admins)."""
    return {"ok": True, "settings": settings.all_settings()}


@bp.put("/settings/<key>")
@roles_required("admin")
def put_setting(key):
    """Change one setting (admins): body ``{"value": ...}``."""
    data = _json()
    if "value" not in data:
        raise ServiceError("missing_field", "The field 'value' is required.")
    return {"ok": True, "settings": settings.put(key, data["value"],
                                                 current_user._get_current_object())}
