"""The public ``/visitor`` namespace used by the chat widget (docs/protocol.md)."""
from flask import request
from flask_socketio import emit, join_room

from kefu import i18n, protocol
from kefu.concurrency import run_blocking
from kefu.realtime import broadcast
from kefu.realtime.common import (
    ProtocolNamespace, acked, connection, refused, refusing, save_connection, visitor_room,
)
from kefu.security import client_address, own_origin
from kefu.services import (
    cards, conversations, ratelimit, routing, settings, tickets, visitors,
)
from kefu.services.errors import ServiceError

NAMESPACE = "/visitor"


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
        session = run_blocking(conversations.open_visitor_session, token or None, locale,
                               request.headers.get("User-Agent"))
        save_connection(NAMESPACE, {"visitor": session["visitor_id"], "locale": locale,
                                    "address": client_address()})
        join_room(visitor_room(session["visitor_id"]))
        emit("session", {"protocol": protocol.PROTOCOL_VERSION, **session,
                         "limits": protocol.limits()})
        page = protocol.page(auth)
        if page:
            run_blocking(visitors.record_page, session["visitor_id"], *page)
        if session["conversation_id"] is not None:
            emit("conversation", run_blocking(_view_of_open, session["visitor_id"]))

    @acked
    def on_message(self, payload=None):
        client_msg_id, text, intent = protocol.visitor_message(payload)
        visitor = connection(NAMESPACE)["visitor"]
        if not ratelimit.allow("VISITOR_MESSAGE_RATE_LIMIT", "message", visitor):
            raise ServiceError("rate_limited", "You are sending messages too fast; slow down.")
        result = run_blocking(conversations.post_visitor_message, visitor, client_msg_id,
                              text, intent)
        room = visitor_room(visitor)
        # A resent message is neither stored nor answered twice; it is answered late
        # (answered_now) when the first attempt was stored but its reply was lost.
        if not result["duplicate"]:
            emit("message", result["message"], to=room, skip_sid=request.sid)
        if not result["duplicate"] or result["answered_now"]:
            for reply in result["replies"]:
                emit("message", reply, to=room)
            emit("conversation", result["conversation"], to=room)
            _tell_agents(result)
        return protocol.ok(message=result["message"], duplicate=result["duplicate"])

    @acked
    def on_request_human(self, payload=None):
        protocol.empty(payload, "request_human")
        visitor = connection(NAMESPACE)["visitor"]
        ratelimit.require("VISITOR_EVENT_RATE_LIMIT", "event", visitor)
        result = run_blocking(routing.request_human, visitor)
        for message in result["messages"]:
            emit("message", message, to=visitor_room(visitor))
        emit("conversation", result["conversation"], to=visitor_room(visitor))
        if result["escalated"]:
            conversation_id = result["conversation"]["id"]
            for message in result["messages"]:
                broadcast.to_agents("message", message, broadcast.watchers(conversation_id))
            broadcast.queue_moved()
        return protocol.ok(conversation=result["conversation"])

    @acked
    def on_typing(self, payload=None):
        typing = protocol.visitor_typing(payload)
        visitor = connection(NAMESPACE)["visitor"]
        ratelimit.require("VISITOR_EVENT_RATE_LIMIT", "event", visitor)
        target = run_blocking(visitors.typing_target, visitor)
        if target is not None:
            broadcast.to_agents("typing", {"conversation_id": target["conversation_id"],
                                           "sender": "visitor", "typing": typing},
                                broadcast.watchers(target["conversation_id"],
                                                   target["agent_id"]))
        return protocol.ok()

    @acked
    def on_read(self, payload=None):
        message_id = protocol.visitor_read(payload)
        visitor = connection(NAMESPACE)["visitor"]
        ratelimit.require("VISITOR_EVENT_RATE_LIMIT", "event", visitor)
        result = run_blocking(visitors.mark_read, visitor, message_id)
        broadcast.to_agents("read", {"conversation_id": result["conversation_id"],
                                     "reader": "visitor", "up_to": result["up_to"]},
                            broadcast.watchers(result["conversation_id"], result["agent_id"]))
        return protocol.ok(up_to=result["up_to"])

    @acked
    def on_rate(self, payload=None):
        rating, comment = protocol.rating(payload)
        visitor = connection(NAMESPACE)["visitor"]
        ratelimit.require("VISITOR_EVENT_RATE_LIMIT", "event", visitor)
        result = run_blocking(visitors.rate, visitor, rating, comment)
        emit("conversation", result["view"], to=visitor_room(visitor))
        broadcast.to_agents("conversation", result["conversation"])
        return protocol.ok()

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
        ticket = run_blocking(tickets.leave_message, visitor, name, email, text)
        broadcast.to_agents("ticket", {"ticket": ticket})
        return protocol.ok(ticket={"id": ticket["id"]})


def _view_of_open(public_id):
    conversation = conversations.open_conversation_of(conversations._visitor(public_id))
    return conversations.conversation_summary(conversation)


def _tell_agents(result):
    """A visitor message outside the bot's part reaches the agents (with the unread count)."""
    view = result["conversation"]
    if view["state"] == "bot":
        return
    conversation_id = view["id"]
    card = run_blocking(cards.card_of, conversation_id)
    rooms = broadcast.watchers(conversation_id, (card["assigned_agent"] or {}).get("id"))
    for message in [result["message"], *result["replies"]]:
        broadcast.to_agents("message", message, rooms)
    broadcast.to_agents("conversation", card)
    if any(reply.get("action") == "escalate" for reply in result["replies"]):
        broadcast.queue_moved()
