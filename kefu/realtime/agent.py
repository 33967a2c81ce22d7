"""The ``/agent`` namespace: the live side of the agent workspace (docs/protocol.md).

Each handler validates its payload, makes one call into
:mod:`kefu.services.agent_actions` (or :mod:`kefu.services.desk` for the socket's own
comings and goings) and delivers the outcome it returns.
"""
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
from kefu.services import agent_actions, assignment, desk, presence, ratelimit, supervision
from kefu.services.outcomes import Outcome
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
            me = run_blocking(presence.desk_user, mine.get("user_id"), mine.get("login_id"))
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
    for sid in run_blocking(presence.sockets_of_logins, [i for i in login_ids if i]):
        socketio.server.disconnect(sid, namespace=NAMESPACE)


def _on_logged_out(app, user=None, **_):
    drop_logins([getattr(user, "login_session_id", None)])


def _on_sessions_revoked(app, login_ids=(), **_):
    drop_logins(login_ids)


def _on_chats_requeued(app, conversation_ids=(), **_):
    # An agent left the desk (deactivated, or no longer an agent): their chats are waiting;
    # auto-assign may hand them on, and agents and waiting visitors see the new queue.
    broadcast.deliver(run_blocking(assignment.settle, Outcome()))


user_logged_out.connect(_on_logged_out)
sessions_revoked.connect(_on_sessions_revoked)
chats_requeued.connect(_on_chats_requeued)


def _heartbeat_loop(app):
    """Keep this process's presence rows fresh (eventlet/gevent servers)."""
    interval = app.config["PRESENCE_HEARTBEAT_SECONDS"]
    while True:
        socketio.sleep(interval)
        try:
            with app.app_context():
                run_blocking(presence.heartbeat)
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
                for sid in run_blocking(presence.revoked_sockets):
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


def _deliver(outcome):
    """Send what the service decided; the ack carries its ``ack`` fields."""
    broadcast.deliver(outcome, sid=request.sid, namespace=NAMESPACE)
    return protocol.ok(**outcome.ack)


def _cheap_event(me, service, conversation_id, *args):
    """One of the cheap events (rate-limited together): ``service(conversation, me, *args)``.

    The payload is validated by the caller first, so a bad one costs no limit hit.
    """
    ratelimit.require("AGENT_EVENT_RATE_LIMIT", "agent-event", str(me["id"]))
    return _deliver(run_blocking(service, conversation_id, me["id"], *args))


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
        outcome = run_blocking(desk.connect, request.sid, login_id)
        me = outcome.ack["me"]
        save_connection(NAMESPACE, {"user_id": me["id"], "login_id": login_id})
        join_room(broadcast.AGENTS_ROOM)
        join_room(broadcast.agent_room(me["id"]))
        emit("hello", {"protocol": protocol.PROTOCOL_VERSION, **outcome.ack["hello"]})
        _start_heartbeat()
        broadcast.deliver(outcome, sid=request.sid, namespace=NAMESPACE)

    @logged
    def on_disconnect(self, reason=None):
        broadcast.deliver(run_blocking(desk.disconnect, request.sid,
                                       connection(NAMESPACE).get("user_id")))

    @desk_only
    def on_open(self, me, payload=None):
        return self._enter(agent_actions.open_conversation, me, protocol.conversation_ref(payload, "open"))

    @desk_only
    def on_claim(self, me, payload=None):
        return self._enter(agent_actions.claim, me, protocol.conversation_ref(payload, "claim"))

    def _enter(self, service, me, conversation_id):
        """Open, claim or take over: the service call, then this socket joins the chat's room."""
        outcome = run_blocking(service, conversation_id, me["id"])
        join_room(broadcast.conversation_room(conversation_id))
        return _deliver(outcome)

    def _post(self, me, payload, event):
        conversation_id, client_msg_id, text, draft_for = protocol.agent_message(payload, event)
        if not ratelimit.allow("AGENT_MESSAGE_RATE_LIMIT", "agent-message", str(me["id"])):
            raise ServiceError("rate_limited", "You are sending messages too fast; slow down.")
        return _deliver(run_blocking(agent_actions.post_message, conversation_id, me["id"],
                                     client_msg_id, text, note=event == "note",
                                     draft_for=draft_for))

    @desk_only
    def on_message(self, me, payload=None):
        return self._post(me, payload, "message")

    @desk_only
    def on_note(self, me, payload=None):
        return self._post(me, payload, "note")

    @desk_only
    def on_typing(self, me, payload=None):
        return _cheap_event(me, agent_actions.typing, *protocol.agent_typing(payload))

    @desk_only
    def on_read(self, me, payload=None):
        return _cheap_event(me, agent_actions.mark_read, *protocol.message_ref(payload, "read"))

    @desk_only
    def on_to_inbox(self, me, payload=None):
        return _cheap_event(me, agent_actions.send_to_inbox,
                            *protocol.message_ref(payload, "to_inbox"))

    @desk_only
    def on_takeover(self, me, payload=None):
        return self._enter(supervision.take_over, me, protocol.conversation_ref(payload, "takeover"))

    @desk_only
    def on_transfer(self, me, payload=None):
        conversation_id, to_agent_id, note = protocol.transfer(payload)
        return _deliver(run_blocking(agent_actions.transfer, conversation_id, me["id"],
                                     to_agent_id, note))

    @desk_only
    def on_release(self, me, payload=None):
        conversation_id = protocol.conversation_ref(payload, "release")
        return _deliver(run_blocking(agent_actions.release, conversation_id, me["id"]))

    @desk_only
    def on_close(self, me, payload=None):
        conversation_id = protocol.conversation_ref(payload, "close")
        return _deliver(run_blocking(agent_actions.close, conversation_id, me["id"]))

    @desk_only
    def on_presence(self, me, payload=None):
        status = protocol.presence(payload)
        return _deliver(run_blocking(desk.set_status, request.sid, status))
