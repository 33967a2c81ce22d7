"""Payload checks for the public wire protocol (docs/protocol.md).

Each check returns clean values or raises ServiceError with a stable code; handlers
turn that into ``{"ok": false, "error": {...}}``.  Nothing here touches the database.
"""
from flask import current_app

from kefu.services.errors import ServiceError

PROTOCOL_VERSION = 3

#: Every error code a client can get (acks, connect refusals, REST), each explained in
#: docs/protocol.md; tests check that the two agree and that fuzzing meets no other.
ERROR_CODES = frozenset({
    # acks of events
    "invalid_payload", "unknown_event", "missing_field", "invalid_type", "invalid_text",
    "empty_field", "empty_text", "text_too_long", "field_too_long", "rate_limited",
    "unknown_visitor", "out_of_range", "not_found", "unauthorized", "forbidden",
    "not_assigned", "already_claimed", "invalid_state", "invalid_agent", "invalid_status",
    "not_closed", "already_rated", "not_votable", "invalid_email", "session_revoked",
    "illegal_transition", "internal_error",
    # connect refusals
    "invalid_auth", "invalid_token", "token_expired", "bad_origin",
    "invalid_identity", "identity_not_configured", "identity_required",
    # REST only
    "csrf_failed", "request_entity_too_large", "bad_request", "method_not_allowed",
    "duplicate_shortcut", "invalid_shortcut", "unknown_setting", "invalid_business_hours",
    "invalid_setting", "mail_failed",
    # admin pages (forms) only
    "duplicate_email", "invalid_role", "weak_password", "last_admin", "own_account",
})


class _NoPayload:
    """An event sent without any argument (not even ``null``)."""

    def __repr__(self):
        return "NO_PAYLOAD"


#: What a handler receives for an event sent with no argument (see ProtocolNamespace).
NO_PAYLOAD = _NoPayload()


def limits() -> dict:
    """What a client must stay within: sent in ``session`` so the widget checks before sending."""
    cfg = current_app.config
    return {"max_message_length": cfg["MAX_MESSAGE_LENGTH"],
            "max_frame_bytes": cfg["MAX_FRAME_BYTES"]}


def ok(**data) -> dict:
    """A successful ack."""
    return {"ok": True, **data}


def fail(error: ServiceError) -> dict:
    """A failed ack."""
    return {"ok": False, "error": error.to_dict()}


def require_dict(payload, event: str) -> dict:
    """The payload must be a JSON object."""
    if not isinstance(payload, dict):
        raise ServiceError("invalid_payload", f"The '{event}' payload must be an object.")
    return payload


def storable_text(value: str, name: str) -> str:
    """Refuse text no database can store: lone surrogates and NUL characters.

    A lone surrogate (``"a\\ud800b"``) is not UTF-8 at all; PostgreSQL refuses NUL in text
    while SQLite keeps it: refusing both here makes both databases answer alike.
    """
    if "\x00" in value:
        raise ServiceError("invalid_text", f"The field '{name}' contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ServiceError("invalid_text",
                           f"The field '{name}' contains a lone surrogate (not Unicode text).")
    return value


def storable_values(value, where: str) -> None:
    """:func:`storable_text` on every string (and key) inside a JSON value.

    Iterative, so a deeply nested body cannot exhaust the stack.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            storable_text(item, where)
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)


def _present(payload: dict, name: str, required: bool) -> bool:
    """True when the field has a value; ``missing_field`` when a required one has none."""
    if payload.get(name) is not None:
        return True
    if required:
        raise ServiceError("missing_field", f"The field '{name}' is required.")
    return False


def string_field(payload: dict, name: str, *, max_length: int, required: bool = True,
                 strip_empty: bool = False):
    """A string field, present (if required), of bounded length."""
    if not _present(payload, name, required):
        return None
    value = payload[name]
    if not isinstance(value, str):
        raise ServiceError("invalid_type", f"The field '{name}' must be a string.")
    storable_text(value, name)
    if strip_empty and not value.strip():
        raise ServiceError("empty_text", f"The field '{name}' must not be empty.")
    if not value:
        raise ServiceError("empty_field", f"The field '{name}' must not be empty.")
    if len(value) > max_length:
        code = "text_too_long" if name == "text" else "field_too_long"
        raise ServiceError(code, f"The field '{name}' is longer than {max_length} characters.")
    return value


def visitor_message(payload) -> tuple:
    """``message`` from a visitor: ``{client_msg_id, text, intent?}``."""
    cfg = current_app.config
    payload = require_dict(payload, "message")
    client_msg_id = string_field(payload, "client_msg_id",
                                 max_length=cfg["MAX_CLIENT_MSG_ID_LENGTH"])
    text = string_field(payload, "text", max_length=cfg["MAX_MESSAGE_LENGTH"], strip_empty=True)
    intent = string_field(payload, "intent", max_length=64, required=False)
    return client_msg_id, text.strip(), intent


def int_field(payload: dict, name: str, *, minimum: int = 1, maximum: int = 2**53,
              required: bool = True):
    """A whole-number field within ``[minimum, maximum]`` (booleans are not numbers)."""
    if not _present(payload, name, required):
        return None
    value = payload[name]
    if not isinstance(value, int) or isinstance(value, bool):
        raise ServiceError("invalid_type", f"The field '{name}' must be a whole number.")
    if not minimum <= value <= maximum:
        raise ServiceError("out_of_range",
                           f"The field '{name}' must be between {minimum} and {maximum}.")
    return value


def bool_field(payload: dict, name: str) -> bool:
    """A required true/false field."""
    if name not in payload or payload[name] is None:
        raise ServiceError("missing_field", f"The field '{name}' is required.")
    if not isinstance(payload[name], bool):
        raise ServiceError("invalid_type", f"The field '{name}' must be true or false.")
    return payload[name]


def _text(payload: dict, name: str = "text", *, required: bool = True):
    value = string_field(payload, name, max_length=current_app.config["MAX_MESSAGE_LENGTH"],
                         strip_empty=True, required=required)
    return value.strip() if value is not None else None


def empty(payload, event: str) -> dict:
    """Events without fields accept ``{}`` or no argument at all; ``null`` is not an object."""
    return require_dict({} if payload is NO_PAYLOAD else payload, event)


def conversation_ref(payload, event: str) -> int:
    """``{conversation_id}``: the conversation an agent event is about."""
    return int_field(require_dict(payload, event), "conversation_id")


def agent_message(payload, event: str = "message") -> tuple:
    """``message`` or ``note`` from an agent: ``{conversation_id, client_msg_id, text}``.

    A ``message`` may name the bot's draft it started from: ``draft_for``, the id of
    the visitor message the draft answers (agent assist).
    """
    payload = require_dict(payload, event)
    return (int_field(payload, "conversation_id"),
            string_field(payload, "client_msg_id",
                         max_length=current_app.config["MAX_CLIENT_MSG_ID_LENGTH"]),
            _text(payload),
            int_field(payload, "draft_for", required=False) if event == "message" else None)


def agent_typing(payload) -> tuple:
    """``typing`` from an agent: ``{conversation_id, typing}``."""
    payload = require_dict(payload, "typing")
    return int_field(payload, "conversation_id"), bool_field(payload, "typing")


def message_ref(payload, event: str) -> tuple:
    """``{conversation_id, message_id}``: an agent's ``read`` and ``to_inbox``."""
    payload = require_dict(payload, event)
    return int_field(payload, "conversation_id"), int_field(payload, "message_id")


def transfer(payload) -> tuple:
    """``transfer``: ``{conversation_id, to_agent_id, note?}``."""
    payload = require_dict(payload, "transfer")
    return (int_field(payload, "conversation_id"), int_field(payload, "to_agent_id"),
            _text(payload, "note", required=False))


def presence(payload) -> str:
    """``presence``: ``{status: "online" | "away"}``."""
    status = string_field(require_dict(payload, "presence"), "status", max_length=16)
    if status not in ("online", "away"):
        raise ServiceError("invalid_status", "status must be 'online' or 'away'.")
    return status


def visitor_typing(payload) -> bool:
    """``typing`` from a visitor: ``{typing}``."""
    return bool_field(require_dict(payload, "typing"), "typing")


def visitor_read(payload) -> int:
    """``read`` from a visitor: ``{message_id}``."""
    return int_field(require_dict(payload, "read"), "message_id")


def rating(payload) -> tuple:
    """``rate``: ``{rating: 1-5, comment?: at most 1000 characters}``."""
    payload = require_dict(payload, "rate")
    comment = string_field(payload, "comment", max_length=1000, required=False)
    return (int_field(payload, "rating", minimum=1, maximum=5),
            comment.strip() or None if comment else None)


def vote(payload) -> tuple:
    """``vote``: ``{message_id, helpful: true|false}``, the visitor's verdict on a bot answer."""
    payload = require_dict(payload, "vote")
    return int_field(payload, "message_id"), bool_field(payload, "helpful")


def leave_message(payload) -> tuple:
    """``leave_message``: ``{name, email, text}``."""
    payload = require_dict(payload, "leave_message")
    name, email = (string_field(payload, field, max_length=limit).strip()
                   for field, limit in (("name", 120), ("email", 255)))
    if not name or not email:
        raise ServiceError("empty_field", "Name and email must not be blank.")
    return name, email, _text(payload)


def page(auth: dict):
    """The optional ``page`` auth field of a visitor: ``{"url", "title"?}`` or a URL string.

    A malformed page is ignored (it is a courtesy to agents); the connect handler has
    already refused text no database can store (``invalid_text``).
    """
    value = auth.get("page")
    if isinstance(value, str):
        value = {"url": value}
    if not isinstance(value, dict) or not isinstance(value.get("url"), str):
        return None
    title = value.get("title") if isinstance(value.get("title"), str) else None
    return value["url"][:512], (title or "")[:200] or None


def sync(payload) -> int:
    """``sync``: ``{after_id}``, the last message id the client has (0: from the start)."""
    return int_field(require_dict(payload, "sync"), "after_id", minimum=0)


def history(payload) -> int | None:
    """``history``: ``{before_id?}``; without it, the latest page of the ended chats."""
    return int_field(empty(payload, "history"), "before_id", required=False)


def profile(payload) -> tuple:
    """``profile`` (the pre-chat form): ``{name, email}``, both required, trimmed."""
    payload = require_dict(payload, "profile")
    name, email = (string_field(payload, field, max_length=limit).strip()
                   for field, limit in (("name", 120), ("email", 255)))
    if not name or not email:
        raise ServiceError("empty_field", "Name and email must not be blank.")
    return name, email


def identity(auth: dict):
    """The ``user`` auth field: ``(id, name, email, hash)``, or None when there is none.

    Anything malformed is ``invalid_identity``: a site that means to sign its customer
    in is told at once, rather than getting an anonymous chat it did not ask for.
    """
    user = auth.get("user")
    if user is None:
        return None

    def bad(why):
        return ServiceError("invalid_identity", f"The user identity is malformed: {why}.")

    if not isinstance(user, dict):
        raise bad("user must be an object")
    values = []
    for name, limit, required in (("id", 255, True), ("name", 120, False),
                                  ("email", 255, False), ("hash", 64, True)):
        value = user.get(name)
        if value is None or value == "":
            if required:
                raise bad(f"'{name}' is required")
            values.append(None)
            continue
        if not isinstance(value, str) or len(value) > limit or not value.strip():
            raise bad(f"'{name}' must be a non-blank string of at most {limit} characters")
        values.append(value.strip())
    return tuple(values)
