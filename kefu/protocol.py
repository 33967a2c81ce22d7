"""Payload checks for the public wire protocol (docs/protocol.md).

Each check returns clean values or raises ServiceError with a stable code; handlers
turn that into ``{"ok": false, "error": {...}}``.  Nothing here touches the database.
"""
from flask import current_app

from kefu.services.errors import ServiceError

PROTOCOL_VERSION = 1


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


def string_field(payload: dict, name: str, *, max_length: int, required: bool = True,
                 strip_empty: bool = False):
    """A string field, present (if required), of bounded length."""
    if name not in payload or payload[name] is None:
        if required:
            raise ServiceError("missing_field", f"The field '{name}' is required.")
        return None
    value = payload[name]
    if not isinstance(value, str):
        raise ServiceError("invalid_type", f"The field '{name}' must be a string.")
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
