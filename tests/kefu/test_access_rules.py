"""Every role rule of the handoff, one test each.

Visitors reach only their own conversation and no agent event; agents read every
conversation but write only in those assigned to them; admins write anywhere;
editors and deactivated users never get onto /agent.
"""
import time

import pytest

from tests.helpers import ack_error, events, login, make_user, send, session_of, set_active

AGENT_EVENTS = ["claim", "open", "note", "transfer", "release", "close", "presence"]


@pytest.mark.parametrize("event", AGENT_EVENTS)
def test_a_visitor_socket_emitting_agent_events_gets_unknown_event(app, visitor, waiting_visitor,
                                                                   event):
    _, conversation_id = waiting_visitor()
    intruder = visitor()
    session_of(intruder)
    ack = intruder.emit(event, {"conversation_id": conversation_id, "to_agent_id": 1,
                                "client_msg_id": "x", "text": "hi", "status": "online"},
                        namespace="/visitor", callback=True)
    assert ack_error(ack) == "unknown_event"  # no such event on /visitor, and no effect
    assert intruder.get_received("/visitor") == []
    from kefu.extensions import db
    from kefu.models import Conversation

    with app.app_context():
        assert db.session.get(Conversation, conversation_id).state == "waiting"


def test_a_visitor_message_naming_another_conversation_stays_in_its_own(visitor,
                                                                       waiting_visitor):
    _, other_id = waiting_visitor()
    vis = visitor()
    session_of(vis)
    ack = send(vis, "let me in", conversation_id=other_id)
    assert ack["message"]["conversation_id"] != other_id


def test_a_visitor_cannot_mark_another_conversations_message_read(visitor, waiting_visitor,
                                                                  desk):
    owner, conversation_id = waiting_visitor()
    message_id = send(owner, "private")["message"]["id"]
    vis = visitor()
    session_of(vis)
    send(vis, "hello")
    ack = vis.emit("read", {"message_id": message_id}, namespace="/visitor", callback=True)
    assert ack_error(ack) == "not_found"


def test_connecting_to_agent_without_login_is_refused(app):
    from kefu.extensions import socketio

    sio = socketio.test_client(app, namespace="/agent", flask_test_client=app.test_client())
    assert not sio.is_connected("/agent")


def test_a_visitor_token_does_not_open_the_agent_namespace(app, visitor):
    from kefu.extensions import socketio

    token = session_of(visitor())["token"]
    sio = socketio.test_client(app, namespace="/agent", auth={"token": token})
    assert not sio.is_connected("/agent")


def test_an_editor_cannot_connect_to_agent(desk):
    assert not desk(role="editor").sio.is_connected("/agent")


def test_a_deactivated_agent_is_refused_at_connect(desk):
    assert not desk(active=False).sio.is_connected("/agent")


def test_a_deactivated_agent_is_refused_on_the_next_event_and_dropped(app, desk,
                                                                      waiting_visitor):
    _, conversation_id = waiting_visitor()
    agent = desk()
    assert agent.sio.is_connected("/agent")
    set_active(app, agent.id, False)
    ack = agent.call("claim", {"conversation_id": conversation_id})
    assert ack_error(ack) == "forbidden"
    deadline = time.monotonic() + 3
    while agent.sio.is_connected("/agent") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not agent.sio.is_connected("/agent")


def test_an_agent_reads_any_conversation(desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    owner, reader = desk(), desk()
    owner.call("claim", {"conversation_id": conversation_id})
    ack = reader.call("open", {"conversation_id": conversation_id})
    assert ack["ok"] is True and ack["conversation"]["id"] == conversation_id


@pytest.mark.parametrize("event, extra", [
    ("message", {"client_msg_id": "w", "text": "hi"}),
    ("note", {"client_msg_id": "n", "text": "note"}),
    ("typing", {"typing": True}),
    ("read", {"message_id": 1}),
    ("transfer", {"to_agent_id": 1}),
    ("release", {}),
    ("close", {}),
])
def test_an_agent_writes_only_in_conversations_assigned_to_them(desk, waiting_visitor,
                                                                event, extra):
    vis, conversation_id = waiting_visitor()
    owner, other = desk(), desk()
    owner.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    ack = other.call(event, {"conversation_id": conversation_id, **extra})
    assert ack_error(ack) == "not_assigned"
    assert events(vis, "message") == []


@pytest.mark.parametrize("event, extra", [
    ("message", {"client_msg_id": "w", "text": "hi"}),
    ("release", {}),
])
def test_an_agent_cannot_write_in_an_unclaimed_waiting_conversation(desk, waiting_visitor,
                                                                    event, extra):
    _, conversation_id = waiting_visitor()
    assert ack_error(desk().call(event, {"conversation_id": conversation_id, **extra})) == \
        "not_assigned"


def test_an_admin_writes_anywhere(desk, waiting_visitor):
    vis, conversation_id = waiting_visitor()
    owner, admin = desk(), desk(role="admin")
    owner.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    ack = admin.call("message", {"conversation_id": conversation_id, "client_msg_id": "adm",
                                 "text": "An admin here"})
    assert ack["ok"] is True
    assert [m["text"] for m in events(vis, "message")] == ["An admin here"]
    assert admin.call("note", {"conversation_id": conversation_id, "client_msg_id": "an",
                               "text": "checked"})["ok"] is True
    assert admin.call("close", {"conversation_id": conversation_id})["ok"] is True


def test_message_text_is_stored_and_sent_verbatim_for_escaping_at_display(desk,
                                                                          waiting_visitor):
    vis, conversation_id = waiting_visitor()
    agent = desk()
    agent.call("claim", {"conversation_id": conversation_id})
    events(vis, "message")
    evil = '<img src=x onerror="alert(1)">'
    agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "e",
                           "text": evil})
    assert events(vis, "message")[0]["text"] == evil  # plain text: clients escape it


def test_the_api_refuses_anonymous_editors_and_deactivated_users(app, desk):
    assert app.test_client().get("/api/v1/tickets").status_code == 401
    editor = desk(role="editor")
    response = editor.http.get("/api/v1/tickets")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"
    agent = desk()
    assert agent.http.get("/api/v1/tickets").status_code == 200
    from tests.helpers import set_active

    set_active(app, agent.id, False)
    response = agent.http.get("/api/v1/tickets")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_a_deactivated_user_is_forbidden_alike_on_rest_and_on_agent(app, desk):
    """The same user, the same answer: ``forbidden`` on every REST method and on /agent."""
    agent = desk(connect=False)
    set_active(app, agent.id, False)
    for method, path in [("get", "/api/v1/tickets"), ("get", "/api/v1/canned"),
                         ("post", "/api/v1/canned")]:
        response = getattr(agent.http, method)(path, json={},
                                               headers={"X-CSRFToken": agent.csrf})
        assert (response.status_code, response.get_json()["error"]["code"]) \
            == (403, "forbidden"), path
    sio = agent.connect()
    assert not sio.is_connected("/agent")
    from kefu.services import presence
    from kefu.services.errors import ServiceError

    with app.app_context():
        try:
            presence.desk_user(agent.id)
        except ServiceError as error:
            assert error.code == "forbidden"
        else:
            raise AssertionError("a deactivated user passed the desk check")


def test_only_admins_edit_canned_replies(app, desk):
    agent = desk()
    response = agent.http.post("/api/v1/canned", json={"shortcut": "hi", "text": "Hello"},
                               headers={"X-CSRFToken": agent.csrf})
    assert response.status_code == 403
    admin = desk(role="admin")
    response = admin.http.post("/api/v1/canned", json={"shortcut": "hi", "text": "Hello"},
                               headers={"X-CSRFToken": admin.csrf})
    assert response.status_code == 201


def test_api_writes_need_the_csrf_header(app, desk):
    admin = desk(role="admin")
    response = admin.http.post("/api/v1/canned", json={"shortcut": "hi", "text": "Hello"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf_failed"


def test_login_helper_really_logs_in(app):
    user_id, email, password = make_user(app)
    client = app.test_client()
    login(client, email, password)
    assert client.get("/api/v1/canned").status_code == 200
