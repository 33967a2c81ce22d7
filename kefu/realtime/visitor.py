"""The public ``/visitor`` namespace used by the chat widget (docs/protocol.md).

Each handler validates its payload, makes one call into
:mod:`kefu.services.visitor_actions` and delivers the outcome it returns.
"""
from flask import request
from flask_socketio import emit, join_room

from kefu import i18n, protocol
from kefu.concurrency import run_blocking
from kefu.realtime import background, broadcast
from kefu.realtime.common import (
    ProtocolNamespace, acked, connection, logged, refused, refusing, save_connection,
    visitor_room,
)
from kefu.security import client_address, own_origin
from kefu.services import (
    ratelimit, settings, visitor_actions, visitor_catchup, visitor_profile,
)
from kefu.services.errors import ServiceError

NAMESPACE = "/visitor"


def _deliver(outcome):
    """Send what the service decided; the ack carries its ``ack`` fields."""
    broadcast.deliver(outcome, sid=request.sid, namespace=NAMESPACE)
    return protocol.ok(**outcome.ack)


def _cheap_event(service, *args):
    """One of the cheap events (rate-limited together): the visitor's service call, delivered.

    The payload is validated by the caller first, so a bad one costs no limit hit.
    """
    visitor = connection(NAMESPACE)["visitor"]
    ratelimit.require("VISITOR_EVENT_RATE_LIMIT", "event", visitor)
    return _deliver(run_blocking(service, visitor, *args))


class VisitorNamespace(ProtocolNamespace):
    """Visitors connect with an optional token, send messages and get answers."""

    @refusing
    def on_connect(self, auth=None):
        if auth is not None and not isinstance(auth, dict):
            raise refused("invalid_auth", "auth must be an object.")
        auth = auth or {}
        protocol.storable_values(auth, "auth")  # token, locale, page: all must be text
        origin = request.headers.get("Origin")  # the sites in the widget_origins setting
        if not own_origin(origin) and not run_blocking(settings.widget_origin_allowed, origin):
            raise refused("bad_origin", "This site may not open the chat widget.")
        if not ratelimit.allow("VISITOR_CONNECT_RATE_LIMIT", "connect", client_address()):
            raise refused("rate_limited", "Too many connections; try again soon.")
        token = auth.get("token")
        if token is not None and not isinstance(token, str):
            raise refused("invalid_token", "The visitor token must be a string.")
        locale = i18n.pick_language(
            auth.get("locale"), i18n.language_from_accept(request.headers.get("Accept-Language")))
        outcome = run_blocking(visitor_actions.connect, token or None, locale,
                               request.headers.get("User-Agent"), protocol.page(auth),
                               sid=request.sid, user=protocol.identity(auth))
        session = outcome.ack["session"]
        save_connection(NAMESPACE, {"visitor": session["visitor_id"], "locale": locale,
                                    "address": client_address()})
        join_room(visitor_room(session["visitor_id"]))
        emit("session", {"protocol": protocol.PROTOCOL_VERSION, **session,
                         "limits": protocol.limits()})
        broadcast.deliver(outcome, sid=request.sid, namespace=NAMESPACE)

    @logged
    def on_disconnect(self, reason=None):
        # The server frees the connection's slot only once this returns: forget the
        # socket's presence row afterwards, not in between.
        background.after_disconnect(visitor_actions.disconnect, request.sid)

    @acked
    def on_message(self, payload=None):
        client_msg_id, text, intent = protocol.visitor_message(payload)
        visitor = connection(NAMESPACE)["visitor"]
        if not ratelimit.allow("VISITOR_MESSAGE_RATE_LIMIT", "message", visitor):
            raise ServiceError("rate_limited", "You are sending messages too fast; slow down.")
        return _deliver(run_blocking(visitor_actions.post_message, visitor, client_msg_id,
                                     text, intent))

    @acked
    def on_request_human(self, payload=None):
        protocol.empty(payload, "request_human")
        return _cheap_event(visitor_actions.request_human)

    @acked
    def on_cancel_handoff(self, payload=None):
        protocol.empty(payload, "cancel_handoff")
        return _cheap_event(visitor_actions.cancel_handoff)

    @acked
    def on_typing(self, payload=None):
        return _cheap_event(visitor_actions.typing, protocol.visitor_typing(payload))

    @acked
    def on_read(self, payload=None):
        return _cheap_event(visitor_actions.mark_read, protocol.visitor_read(payload))

    @acked
    def on_rate(self, payload=None):
        return _cheap_event(visitor_actions.rate, *protocol.rating(payload))

    @acked
    def on_vote(self, payload=None):
        return _cheap_event(visitor_actions.vote, *protocol.vote(payload))

    @acked
    def on_leave_message(self, payload=None):
        name, email, text = protocol.leave_message(payload)
        visitor = connection(NAMESPACE)["visitor"]
        # Per visitor and per address: a script that drops its token is a new visitor.
        if not (ratelimit.allow("VISITOR_TICKET_RATE_LIMIT", "ticket", visitor) and
                ratelimit.allow("VISITOR_TICKET_ADDRESS_RATE_LIMIT", "ticket-address",
                                connection(NAMESPACE)["address"])):
            raise ServiceError("rate_limited", "You have left many messages already; "
                                               "please wait before leaving another.")
        return _deliver(run_blocking(visitor_actions.leave_message, visitor, name, email, text))

    @acked
    def on_sync(self, payload=None):
        return _cheap_event(visitor_catchup.sync, protocol.sync(payload))

    @acked
    def on_history(self, payload=None):
        return _cheap_event(visitor_catchup.history, protocol.history(payload))

    @acked
    def on_profile(self, payload=None):
        return _cheap_event(visitor_profile.set_profile, *protocol.profile(payload))
