"""Text no database can store (lone surrogates, NUL) is refused with ``invalid_text``.

SQLite kept a NUL that PostgreSQL refused, and a lone surrogate crashed both: the
protocol layer refuses them alike on every event and endpoint, and nothing is stored.
The same tests run on PostgreSQL (tests/kefu/test_postgres.py).
"""
import pytest
import socketio
from sqlalchemy import func, select

from kefu.extensions import db
from kefu.models import Conversation, Message, Ticket
from tests.helpers import ack_error, send, session_of

BAD = ["a\ud800b", "a\x00b", "\udfff"]


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["text", "client_msg_id", "intent"])
def test_a_visitor_message_with_unstorable_text_is_invalid_text_and_stores_nothing(
        app, visitor, field, bad):
    sio = visitor()
    session_of(sio)
    payload = {"client_msg_id": "m-1", "text": "hello", field: bad}
    ack = sio.emit("message", payload, namespace="/visitor", callback=True)
    assert ack_error(ack) == "invalid_text"
    assert count(app, Message) == 0 and count(app, Conversation) == 0
    assert send(sio, "how long does shipping take")["ok"] is True


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("field", ["name", "email", "text"])
def test_leave_message_with_unstorable_text_is_invalid_text(app, visitor, field, bad):
    sio = visitor()
    session_of(sio)
    payload = {"name": "Ann", "email": "ann@example.com", "text": "call me", field: bad}
    ack = sio.emit("leave_message", payload, namespace="/visitor", callback=True)
    assert ack_error(ack) == "invalid_text"
    assert count(app, Ticket) == 0


def test_a_rating_comment_with_a_nul_is_invalid_text(visitor):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("rate", {"rating": 5, "comment": "great\x00"}, namespace="/visitor",
                   callback=True)
    assert ack_error(ack) == "invalid_text"


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("event", ["message", "note"])
def test_agent_messages_and_notes_with_unstorable_text_are_invalid_text(
        app, desk, waiting_visitor, event, bad):
    _, conversation_id = waiting_visitor()
    agent = desk()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    before = count(app, Message)
    for field in ("text", "client_msg_id"):
        payload = {"conversation_id": conversation_id, "client_msg_id": "a-1", "text": "hi",
                   field: bad}
        assert ack_error(agent.call(event, payload)) == "invalid_text"
    assert count(app, Message) == before
    assert agent.call("presence", {"status": "online"})["ok"] is True


def test_a_transfer_note_with_a_lone_surrogate_is_invalid_text(desk, waiting_visitor):
    _, conversation_id = waiting_visitor()
    agent, other = desk(), desk()
    agent.call("claim", {"conversation_id": conversation_id})
    ack = agent.call("transfer", {"conversation_id": conversation_id,
                                  "to_agent_id": other.id, "note": "x\ud800"})
    assert ack_error(ack) == "invalid_text"


@pytest.mark.parametrize("auth", [{"page": {"url": "/shop\x00", "title": "t"}},
                                  {"page": "/a\ud800"}, {"locale": "en\x00"},
                                  {"token": "abc\ud800"}])
def test_a_connect_with_unstorable_auth_text_is_refused_and_creates_no_visitor(
        app, visitor, auth):
    from kefu.models import Visitor

    sio = visitor(**auth)
    assert not sio.is_connected("/visitor")
    assert count(app, Visitor) == 0


def test_a_connect_with_a_lone_surrogate_in_the_page_is_refused_with_invalid_text(live_server):
    client = socketio.Client()
    refusals = []
    client.on("connect_error", refusals.append, namespace="/visitor")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(live_server.url, namespaces=["/visitor"],
                           auth={"locale": "en", "page": {"url": "/a\ud800", "title": "x"}},
                           transports=["websocket"], wait_timeout=10)
        assert refusals and refusals[0]["data"]["code"] == "invalid_text", refusals
    finally:
        client.disconnect()


@pytest.mark.parametrize("bad", BAD)
def test_rest_bodies_with_unstorable_text_are_invalid_text(app, desk, bad):
    from kefu.models import CannedReply

    admin = desk(role="admin")
    headers = {"X-CSRFToken": admin.csrf}
    for method, path, body in [
            ("post", "/api/v1/canned", {"shortcut": "hi", "text": bad}),
            ("post", "/api/v1/canned", {"shortcut": bad, "text": "hello"}),
            ("put", "/api/v1/settings/business_hours",
             {"value": {"tz": bad, "days": [0], "start": "09:00", "end": "18:00"}}),
            ("post", "/api/v1/tickets/1/reply", {"text": bad}),
            ("post", "/api/v1/canned", {bad: 1, "shortcut": "a", "text": "b"})]:
        response = getattr(admin.http, method)(path, json=body, headers=headers)
        assert response.status_code == 400, (path, body)
        assert response.get_json()["error"]["code"] == "invalid_text", (path, body)
    assert count(app, CannedReply) == 0


def test_a_search_for_a_nul_is_invalid_text(desk):
    response = desk().http.get("/api/v1/conversations/search?q=a%00b")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_text"


def test_a_login_with_a_nul_in_the_email_is_invalid_text(client):
    from tests.helpers import csrf_token

    response = client.post("/auth/login", data={"email": "a\x00@example.com",
                                                "password": "x",
                                                "csrf_token": csrf_token(client)})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_text"
