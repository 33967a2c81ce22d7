"""The ``/agent`` namespace: the live side of the agent workspace (docs/protocol.md)."""
import functools
import logging

from flask import current_app, request, session
from flask_login import user_logged_out
from flask_socketio import emit, join_room

from kefu import protocol
from kefu.concurrency import run_blocking
from kefu.extensions import socketio
from kefu.realtime import broadcast
from kefu.realtime.common import (
    ProtocolNamespace, acked, connection, logged, refused, refusing, save_connection,
)
from kefu.security import same_origin_or_allowed
from kefu.services import agents, cards, handoff, ratelimit
from kefu.services.errors import ServiceError
from kefu.signals import chats_requeued, sessions_revoked

NAMESPACE = "/agent"
log = logging.getLogger(__name__)


def desk_only(handler):
    """Run the event only for a user who is still an active agent or admin.

    Flask-Login's ``login_required`` does not apply to socket events, and a user can be
    deactivated while connected: every event checks again, and a refused socket is
    disconnected right after its error ack.
    """

    @functools.wraps(handler)
    def wrapper(self, *args):
        mine = connection(NAMESPACE)
        try:
            me = run_blocking(agents.desk_user, mine.get("user_id"), mine.get("login_id"))
        except ServiceError:
            socketio.start_background_task(_drop, request.sid)
            raise
        return handler(self, me, *args)

    return acked(wrapper)


def _drop(sid):
    socketio.sleep(0.05)  # after the error ack has gone out
    socketio.server.disconnect(sid, namespace=NAMESPACE)


def drop_logins(login_ids) -> None:
    """Disconnect every ``/agent`` socket (in any process) opened under these logins."""
    for sid in run_blocking(agents.sockets_of_logins, [i for i in login_ids if i]):
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def _on_logged_out(app, user=None, **_):
    drop_logins([getattr(user, "login_session_id", None)])


def _on_sessions_revoked(app, login_ids=(), **_):
    drop_logins(login_ids)


def _on_chats_requeued(app, conversation_ids=(), **_):
    # An agent left the desk (deactivated, or no longer an agent): their chats are waiting.
    broadcast.queue_moved()
    broadcast.agents_changed()


user_logged_out.connect(_on_logged_out)
sessions_revoked.connect(_on_sessions_revoked)
chats_requeued.connect(_on_chats_requeued)


def _hello(user_id: int) -> dict:
    return {"me": agents.desk_user(user_id), "queue": cards.queue_cards(),
            "mine": cards.mine_cards(user_id), "agents": agents.agent_list()}


def _heartbeat_loop(app):
    """Keep this process's presence rows fresh (eventlet/gevent servers)."""
    interval = app.config["PRESENCE_HEARTBEAT_SECONDS"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                run_blocking(agents.heartbeat)
        except Exception:  # a missed beat only ages the rows; try again next time
            log.exception("presence heartbeat failed")


def _revocation_loop(app):
    """Cut this process's sockets whose login ended, however it ended.

    Revocations made in this process or announced through the message queue cut their
    sockets at once; this sweep catches the rest (the CLI, a process that missed it).
    """
    interval = app.config["REVOCATION_CHECK_SECONDS"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                for sid in run_blocking(agents.revoked_sockets):
                    socketio.server.disconnect(sid, namespace=NAMESPACE)
        except Exception:  # the next sweep, and every event's own check, still refuse
            log.exception("revocation sweep failed")


def _start_heartbeat():
    """One heartbeat and one revocation sweep per server process (none under the test client)."""
    app = current_app._get_current_object()
    if not app.testing and "kefu_presence" not in app.extensions:
        app.extensions["kefu_presence"] = socketio.start_background_task(_heartbeat_loop, app)
        app.extensions["kefu_revocation"] = socketio.start_background_task(
            _revocation_loop, app)


class AgentNamespace(ProtocolNamespace):
    """Agents and admins, authenticated by their Flask-Login session cookie."""

    @refusing
    def on_connect(self, auth=None):
        # The login cookie goes with any page's request: only our own pages may use it
        # (no cross-site WebSocket hijacking).
        if not same_origin_or_allowed(request.headers.get("Origin")):
            raise refused("bad_origin", "Pages from this origin may not open the desk.")
        login_id = session.get("_user_id")  # Flask-Login keeps the login session's id here
        if login_id is None:
            raise refused("unauthorized", "Log in as an agent first.")
        me = run_blocking(agents.desk_user_of_login, login_id)
        run_blocking(agents.connect, request.sid, me["id"], login_id)
        save_connection(NAMESPACE, {"user_id": me["id"], "login_id": login_id})
        join_room(broadcast.AGENTS_ROOM)
        join_room(broadcast.agent_room(me["id"]))
        hello = run_blocking(_hello, me["id"])
        emit("hello", {"protocol": protocol.PROTOCOL_VERSION, **hello})
        _start_heartbeat()
        broadcast.agents_changed()
        broadcast.queue_moved()

    @logged
    def on_disconnect(self, reason=None):
        run_blocking(agents.disconnect, request.sid)
        if connection(NAMESPACE).get("user_id") is not None:
            broadcast.agents_changed()
            broadcast.queue_moved()

    @desk_only
    def on_open(self, me, payload=None):
        conversation_id = protocol.conversation_ref(payload, "open")
        detail = run_blocking(handoff.open_conversation, conversation_id, me["id"])
        join_room(broadcast.conversation_room(conversation_id))
        return protocol.ok(conversation=detail)

    @desk_only
    def on_claim(self, me, payload=None):
        conversation_id = protocol.conversation_ref(payload, "claim")
        result = run_blocking(handoff.claim, conversation_id, me["id"])
        join_room(broadcast.conversation_room(conversation_id))
        broadcast.outcome(result)
        broadcast.queue_moved()
        broadcast.agents_changed()
        return protocol.ok(conversation=result["conversation"])

    def _post(self, me, payload, event):
        conversation_id, client_msg_id, text = protocol.agent_message(payload, event)
        if not ratelimit.allow("AGENT_MESSAGE_RATE_LIMIT", "agent-message", str(me["id"])):
            raise ServiceError("rate_limited", "You are sending messages too fast; slow down.")
        result = run_blocking(handoff.post_message, conversation_id, me["id"], client_msg_id,
                              text, note=event == "note")
        if not result["duplicate"]:
            message = result["message"]
            assigned = (result["conversation"]["assigned_agent"] or {}).get("id")
            broadcast.to_agents("message", message,
                                broadcast.watchers(conversation_id, assigned, me["id"]))
            if event == "message":
                broadcast.to_visitor(result["visitor"], "message", message)
                broadcast.to_agents("conversation", result["conversation"])
        return protocol.ok(message=result["message"], duplicate=result["duplicate"])

    @desk_only
    def on_message(self, me, payload=None):
        return self._post(me, payload, "message")

    @desk_only
    def on_note(self, me, payload=None):
        return self._post(me, payload, "note")

    @desk_only
    def on_typing(self, me, payload=None):
        conversation_id, typing = protocol.agent_typing(payload)
        ratelimit.require("AGENT_EVENT_RATE_LIMIT", "agent-event", str(me["id"]))
        target = run_blocking(handoff.typing_target, conversation_id, me["id"])
        broadcast.to_visitor(target["visitor"], "typing",
                             {"sender": "agent", "name": target["name"], "typing": typing})
        return protocol.ok()

    @desk_only
    def on_read(self, me, payload=None):
        conversation_id, message_id = protocol.agent_read(payload)
        ratelimit.require("AGENT_EVENT_RATE_LIMIT", "agent-event", str(me["id"]))
        result = run_blocking(handoff.mark_read, conversation_id, me["id"], message_id)
        broadcast.to_visitor(result["visitor"], "read",
                             {"reader": "agent", "up_to": result["up_to"]})
        broadcast.to_agents("conversation", result["conversation"])
        return protocol.ok(up_to=result["up_to"])

    @desk_only
    def on_transfer(self, me, payload=None):
        conversation_id, to_agent_id, note = protocol.transfer(payload)
        result = run_blocking(handoff.transfer, conversation_id, me["id"], to_agent_id, note)
        broadcast.outcome(result)
        broadcast.agents_changed()
        return protocol.ok(conversation=result["conversation"])

    def _leave_agent_hands(self, me, payload, event, service):
        """``release`` and ``close``: the chat leaves its agent; queue and presence change."""
        conversation_id = protocol.conversation_ref(payload, event)
        result = run_blocking(service, conversation_id, me["id"])
        broadcast.outcome(result)
        broadcast.queue_moved()
        broadcast.agents_changed()
        return protocol.ok(conversation=result["conversation"])

    @desk_only
    def on_release(self, me, payload=None):
        return self._leave_agent_hands(me, payload, "release", handoff.release)

    @desk_only
    def on_close(self, me, payload=None):
        return self._leave_agent_hands(me, payload, "close", handoff.close)

    @desk_only
    def on_presence(self, me, payload=None):
        status = protocol.presence(payload)
        run_blocking(agents.set_status, request.sid, status)
        broadcast.agents_changed()
        broadcast.queue_moved()
        return protocol.ok(status=status)
