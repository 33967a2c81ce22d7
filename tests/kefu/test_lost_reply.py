"""A visitor message stored just before a crash, with no reply, is answered when it is
resent, once, while the bot owns the conversation (issue 7, defect 3)."""
import threading

from kefu.extensions import db
from kefu.models import Conversation, Message
from kefu.services import visitor_actions
from tests.helpers import events, send, session_of

QUESTION = "how long does shipping take"


def _stored_without_reply(app, conversation_id, client_msg_id):
    """What a crash between committing a visitor message and the bot's reply leaves."""
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        db.session.add(Message(conversation=conversation, visitor_id=conversation.visitor_id,
                               sender="visitor", text=QUESTION, client_msg_id=client_msg_id))
        db.session.commit()


def _answers(app, conversation_id, client_msg_id):
    with app.app_context():
        return [m.sender for m in db.session.scalars(db.select(Message).where(
            Message.conversation_id == conversation_id, Message.reply_to == client_msg_id))]


def _chat(visitor):
    sio = visitor()
    token = session_of(sio)["token"]
    ack = send(sio, "hello", client_msg_id="first")
    sio.disconnect("/visitor")
    return token, ack["message"]["conversation_id"]


def test_a_resend_of_a_message_that_lost_its_reply_is_answered_once(app, visitor):
    token, conversation_id = _chat(visitor)
    _stored_without_reply(app, conversation_id, "lost")
    sio = visitor(token=token)
    session_of(sio)
    ack = send(sio, QUESTION, client_msg_id="lost")
    assert ack["ok"] is True and ack["duplicate"] is True, ack
    replies = [m for m in events(sio, "message") if m["reply_to"] == "lost"]
    assert [m["intent"] for m in replies] == ["shipping_time"]
    again = send(sio, QUESTION, client_msg_id="lost")
    assert again["duplicate"] is True and events(sio, "message") == []
    assert _answers(app, conversation_id, "lost") == ["bot"]


def test_a_lost_reply_is_not_made_up_once_a_person_has_the_chat(app, visitor, desk):
    token, conversation_id = _chat(visitor)
    _stored_without_reply(app, conversation_id, "lost")
    sio = visitor(token=token)
    session_of(sio)
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    assert desk().call("claim", {"conversation_id": conversation_id})["ok"] is True
    events(sio, "message")
    ack = send(sio, QUESTION, client_msg_id="lost")
    assert ack["duplicate"] is True
    assert _answers(app, conversation_id, "lost") == []


def test_resends_racing_in_threads_store_one_reply(app, visitor):
    token, conversation_id = _chat(visitor)
    _stored_without_reply(app, conversation_id, "lost")
    with app.app_context():
        public_id = db.session.get(Conversation, conversation_id).visitor.public_id
    start, results = threading.Barrier(4), []

    def resend():
        start.wait()
        with app.app_context():
            results.append(visitor_actions.post_message(public_id, "lost", QUESTION))

    threads = [threading.Thread(target=resend) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4 and all(r.ack["duplicate"] for r in results)
    assert sum(len(r.to_visitor) for r in results) == 1
    assert _answers(app, conversation_id, "lost") == ["bot"]
