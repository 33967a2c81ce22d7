"""The public ``/visitor`` namespace used by the chat widget (docs/protocol.md)."""
from flask import current_app, request
from flask_socketio import ConnectionRefusedError, Namespace, emit, join_room

from kefu import i18n, protocol
from kefu.concurrency import run_blocking
from kefu.realtime.common import acked, connection, save_connection, visitor_room
from kefu.services import conversations, ratelimit
from kefu.services.errors import ServiceError

NAMESPACE = "/visitor"


def _client_address():
    return request.headers.get("X-Forwarded-For", request.remote_addr or "?").split(",")[0]


class VisitorNamespace(Namespace):
    """Visitors connect with an optional token, send messages and get answers."""

    def on_connect(self, auth=None):
        if auth is not None and not isinstance(auth, dict):
            raise ConnectionRefusedError({"code": "invalid_auth",
                                          "message": "auth must be an object."})
        auth = auth or {}
        if not ratelimit.allow("VISITOR_CONNECT_RATE_LIMIT", "connect", _client_address()):
            raise ConnectionRefusedError({"code": "rate_limited",
                                          "message": "Too many connections; try again soon."})
        token = auth.get("token")
        if token is not None and not isinstance(token, str):
            raise ConnectionRefusedError({"code": "invalid_token",
                                          "message": "The visitor token must be a string."})
        locale = i18n.pick_language(
            auth.get("locale"), i18n.language_from_accept(request.headers.get("Accept-Language")))
        try:
            session = run_blocking(conversations.open_visitor_session, token or None, locale,
                                   request.headers.get("User-Agent"))
        except ServiceError as error:
            raise ConnectionRefusedError(error.to_dict())
        save_connection(NAMESPACE, {"visitor": session["visitor_id"], "locale": locale})
        join_room(visitor_room(session["visitor_id"]))
        emit("session", {"protocol": protocol.PROTOCOL_VERSION, **session})

    @acked
    def on_message(self, payload=None):
        client_msg_id, text, intent = protocol.visitor_message(payload)
        visitor = connection(NAMESPACE)["visitor"]
        if not ratelimit.allow("VISITOR_MESSAGE_RATE_LIMIT", "message", visitor):
            raise ServiceError("rate_limited", "You are sending messages too fast; slow down.")
        result = run_blocking(conversations.post_visitor_message, visitor, client_msg_id,
                              text, intent)
        room = visitor_room(visitor)
        if not result["duplicate"]:
            emit("message", result["message"], to=room, skip_sid=request.sid)
        for reply in result["replies"]:
            emit("message", reply, to=room)
        if not result["duplicate"]:
            emit("conversation", result["conversation"], to=room)
        return protocol.ok(message=result["message"], duplicate=result["duplicate"])
