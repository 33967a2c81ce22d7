"""A visitor's and an agent's client_msg_ids live apart: the same id from the other side
of the chat is a new message, never a "duplicate" of someone else's (nor a way to read it)."""
from kefu.extensions import db
from kefu.models import Message
from tests.helpers import send, session_of


def _claimed_chat(desk, visitor):
    """A visitor waiting for a person, and the agent who claimed the chat."""
    sio = visitor()
    session_of(sio)
    ack = sio.emit("request_human", {}, namespace="/visitor", callback=True)
    conversation_id = ack["conversation"]["id"]
    agent = desk()
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    return sio, agent, conversation_id


def _texts(app, conversation_id):
    with app.app_context():
        return [(m.sender, m.text) for m in db.session.scalars(
            db.select(Message).where(Message.conversation_id == conversation_id)
            .order_by(Message.id))]


def test_a_visitor_reusing_an_agents_note_id_is_stored_and_sees_no_note(app, desk, visitor):
    sio, agent, conversation_id = _claimed_chat(desk, visitor)
    assert agent.call("note", {"conversation_id": conversation_id, "client_msg_id": "same-1",
                               "text": "private remark"})["ok"] is True
    ack = send(sio, "is anyone there", client_msg_id="same-1")
    assert ack["ok"] is True, ack
    assert ack["duplicate"] is False
    assert ack["message"]["sender"] == "visitor" and ack["message"]["text"] == "is anyone there"
    assert ("visitor", "is anyone there") in _texts(app, conversation_id)


def test_an_agent_reusing_a_visitors_id_is_stored_not_taken_for_a_duplicate(app, desk, visitor):
    sio, agent, conversation_id = _claimed_chat(desk, visitor)
    assert send(sio, "hello?", client_msg_id="same-2")["ok"] is True
    ack = agent.call("message", {"conversation_id": conversation_id, "client_msg_id": "same-2",
                                 "text": "Hi, how can I help?"})
    assert ack["ok"] is True and ack["duplicate"] is False, ack
    assert ack["message"]["sender"] == "agent"
    assert ("agent", "Hi, how can I help?") in _texts(app, conversation_id)


def test_an_agent_resending_its_own_id_is_still_a_duplicate(app, desk, visitor):
    sio, agent, conversation_id = _claimed_chat(desk, visitor)
    payload = {"conversation_id": conversation_id, "client_msg_id": "a-1", "text": "Hi"}
    first = agent.call("message", payload)
    again = agent.call("message", payload)
    assert again["ok"] and again["duplicate"] and again["message"]["id"] == first["message"]["id"]
    assert _texts(app, conversation_id).count(("agent", "Hi")) == 1
