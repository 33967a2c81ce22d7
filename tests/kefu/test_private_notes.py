"""An agent's private notes never reach the visitor: not live, not in the session history
after a reconnect, not in a resend's answer, not in a catch-up after a message id, not
over REST."""
import pytest

from kefu.extensions import db
from kefu.models import Message
from kefu.services.visitor_history import visitor_history
from tests.helpers import ack_error, events, received, send, session_of

SECRET_NOTE = "private: visitor is rude, offer nothing"
SECRET_TRANSFER = "private: hand over, refund fraud suspected"


@pytest.fixture
def chat_with_notes(app, desk, visitor):
    """A visitor talked to an agent, who wrote a note and transferred with a note."""
    sio = visitor()
    token = session_of(sio)["token"]
    ack = send(sio, "how long does shipping take", client_msg_id="v-before")
    conversation_id = ack["message"]["conversation_id"]
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    first, second = desk(name="Ann"), desk(name="Bo")
    assert first.call("claim", {"conversation_id": conversation_id})["ok"] is True
    assert first.call("message", {"conversation_id": conversation_id, "client_msg_id": "a1",
                                  "text": "Hello, I am Ann"})["ok"] is True
    assert first.call("note", {"conversation_id": conversation_id, "client_msg_id": "n1",
                               "text": SECRET_NOTE})["ok"] is True
    assert first.call("transfer", {"conversation_id": conversation_id,
                                   "to_agent_id": second.id,
                                   "note": SECRET_TRANSFER})["ok"] is True
    assert second.call("message", {"conversation_id": conversation_id, "client_msg_id": "a2",
                                   "text": "Bo here"})["ok"] is True
    live = events(sio, "message")
    sio.disconnect("/visitor")
    return {"token": token, "conversation_id": conversation_id, "live": live}


def _leaks(messages):
    return [m for m in messages
            if m["sender"] == "note" or m["text"] in (SECRET_NOTE, SECRET_TRANSFER)]


def test_notes_are_not_sent_live_to_the_visitor(chat_with_notes):
    assert chat_with_notes["live"] and _leaks(chat_with_notes["live"]) == []


def test_reconnecting_visitor_gets_the_chat_without_any_note(app, chat_with_notes, visitor):
    sio = visitor(token=chat_with_notes["token"])
    history = session_of(sio)["messages"]
    assert _leaks(history) == []
    texts = [m["text"] for m in history]
    assert "Hello, I am Ann" in texts and "Bo here" in texts
    with app.app_context():  # the notes are there, for agents
        senders = [m.sender for m in db.session.scalars(db.select(Message).where(
            Message.conversation_id == chat_with_notes["conversation_id"]))]
    assert senders.count("note") == 2


def test_a_resend_after_reconnecting_answers_without_any_note(chat_with_notes, visitor):
    sio = visitor(token=chat_with_notes["token"])
    session_of(sio)
    ack = send(sio, "how long does shipping take", client_msg_id="v-before")
    assert ack["ok"] is True and ack["duplicate"] is True
    assert _leaks([ack["message"]]) == []
    assert _leaks([m for name, m in received(sio) if name == "message"]) == []


def test_catching_up_after_a_message_id_skips_the_notes(app, chat_with_notes):
    with app.app_context():
        everything = visitor_history(chat_with_notes["conversation_id"], 200)
        after_first = visitor_history(chat_with_notes["conversation_id"], 200,
                                      after_id=everything[0]["id"])
        one_page = visitor_history(chat_with_notes["conversation_id"], 2,
                                   after_id=everything[0]["id"])
    assert _leaks(everything) == [] and _leaks(after_first) == []
    assert after_first == everything[1:]
    assert one_page == everything[1:3]


def test_a_visitor_cannot_mark_a_note_read(app, chat_with_notes, visitor):
    with app.app_context():
        note_id = db.session.scalars(db.select(Message.id).where(
            Message.conversation_id == chat_with_notes["conversation_id"],
            Message.sender == "note")).first()
    sio = visitor(token=chat_with_notes["token"])
    session_of(sio)
    ack = sio.emit("read", {"message_id": note_id}, namespace="/visitor", callback=True)
    assert ack_error(ack) == "not_found"


def test_no_rest_endpoint_gives_a_visitor_any_message(app, client, chat_with_notes):
    """A visitor has no login: every REST read refuses it, so none can carry a note."""
    reads = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/api/") and "GET" in rule.methods]
    assert any("search" in rule.rule for rule in reads)
    for rule in reads:
        path = "/".join("1" if part.startswith("<") else part for part in rule.rule.split("/"))
        response = client.get(path + "?q=refund")
        assert response.status_code in (401, 403), (rule.rule, response.status_code)
        body = response.get_data(as_text=True)
        assert SECRET_NOTE not in body and SECRET_TRANSFER not in body
