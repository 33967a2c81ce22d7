"""A visitor says whether a bot answer helped (``vote``): one vote per answer, their own
answers only, stored on the answer and shown again after a reload."""
import pytest

from kefu.extensions import db
from kefu.models import Message
from tests.helpers import ack_error, events, send, session_of


def vote(sio, message_id, helpful):
    return sio.emit("vote", {"message_id": message_id, "helpful": helpful},
                    namespace="/visitor", callback=True)


def bot_reply(sio, text):
    """Ask ``text`` and return the bot's reply to it (a wire message)."""
    ack = send(sio, text)
    assert ack["ok"] is True
    replies = [m for m in events(sio, "message")
               if m["reply_to"] == ack["message"]["client_msg_id"]]
    assert len(replies) == 1, replies
    return replies[0]


@pytest.fixture
def answered(visitor):
    """A visitor, its token and a bot answer it got."""
    sio = visitor()
    token = session_of(sio)["token"]
    reply = bot_reply(sio, "what are your opening hours")
    assert reply["action"] == "answer" and reply["helpful"] is None
    return sio, token, reply


def stored_vote(app, message_id):
    with app.app_context():
        message = db.session.get(Message, message_id)
        return message.helpful, message.voted_at


def test_a_vote_is_stored_on_the_answer_and_comes_back_after_a_reload(app, visitor, answered):
    sio, token, reply = answered
    ack = vote(sio, reply["id"], False)
    assert ack == {"ok": True, "vote": {"message_id": reply["id"], "helpful": False}}
    helpful, voted_at = stored_vote(app, reply["id"])
    assert helpful is False and voted_at is not None

    sio.disconnect("/visitor")
    again = session_of(visitor(token=token))
    shown = next(m for m in again["messages"] if m["id"] == reply["id"])
    assert shown["helpful"] is False


def test_a_second_vote_replaces_the_first_and_a_resend_changes_nothing(app, answered):
    sio, _, reply = answered
    assert vote(sio, reply["id"], True)["ok"] is True
    first_time = stored_vote(app, reply["id"])[1]
    assert vote(sio, reply["id"], True)["vote"]["helpful"] is True
    assert stored_vote(app, reply["id"]) == (True, first_time)  # the resend: untouched
    assert vote(sio, reply["id"], False)["vote"]["helpful"] is False
    helpful, changed_at = stored_vote(app, reply["id"])
    assert helpful is False and changed_at >= first_time
    with app.app_context():  # still one vote: the answer holds it, nothing else was added
        assert db.session.query(Message).filter(Message.helpful.is_not(None)).count() == 1


def test_another_visitors_answer_is_not_found(app, visitor, answered):
    _, _, reply = answered
    other = visitor()
    session_of(other)
    assert ack_error(vote(other, reply["id"], False)) == "not_found"
    assert ack_error(vote(other, 10**9, False)) == "not_found"
    assert stored_vote(app, reply["id"]) == (None, None)


def test_only_answers_take_a_vote(app, visitor, bot_phrases):
    sio = visitor()
    session_of(sio)
    own = send(sio, "hello there")["message"]
    assert ack_error(vote(sio, own["id"], True)) == "not_votable"  # the visitor's own line
    clarify = bot_reply(sio, bot_phrases["unsure"][0])
    assert clarify["action"] in ("suggest", "clarify")
    assert ack_error(vote(sio, clarify["id"], True)) == "not_votable"
    with app.app_context():
        assert db.session.query(Message).filter(Message.helpful.is_not(None)).count() == 0


@pytest.mark.parametrize("payload, code", [
    (None, "invalid_payload"),
    ({}, "missing_field"),
    ({"message_id": 1}, "missing_field"),
    ({"message_id": "1", "helpful": True}, "invalid_type"),
    ({"message_id": 1, "helpful": "yes"}, "invalid_type"),
    ({"message_id": 1, "helpful": 1}, "invalid_type"),
    ({"message_id": 0, "helpful": True}, "out_of_range"),
])
def test_bad_votes_get_a_clear_error(answered, payload, code):
    sio, _, reply = answered
    assert ack_error(sio.emit("vote", payload, namespace="/visitor", callback=True)) == code
    assert vote(sio, reply["id"], True)["ok"] is True  # the socket keeps serving

