"""The /visitor namespace: sessions, resume by token, acks, idempotency, bad payloads."""
import pytest
from sqlalchemy import select

from kefu.extensions import db
from kefu.models import Conversation, Message
from tests.helpers import events, received, send, session_of


def stored_messages(app, conversation_id):
    with app.app_context():
        return db.session.scalars(select(Message).where(
            Message.conversation_id == conversation_id).order_by(Message.id)).all()


def test_new_visitor_gets_a_token_and_an_english_greeting(visitor):
    session = session_of(visitor(locale="en"))
    assert session["token"] and session["visitor_id"]
    assert session["conversation_id"] is None and session["state"] == "bot"
    assert session["messages"] == []
    assert session["greeting"].startswith("Hi")
    assert session["protocol"] == 3


def test_chinese_locale_gets_a_chinese_greeting(visitor):
    assert "您好" in session_of(visitor(locale="zh-CN"))["greeting"]


def test_message_is_acknowledged_after_it_is_stored_and_the_bot_replies(app, visitor):
    sio = visitor()
    session_of(sio)
    ack = send(sio, "how long does shipping take", client_msg_id="c-1")
    assert ack["ok"] is True and ack["duplicate"] is False
    message = ack["message"]
    assert message["sender"] == "visitor" and message["text"] == "how long does shipping take"
    rows = stored_messages(app, message["conversation_id"])
    assert [r.sender for r in rows] == ["visitor", "bot"]
    assert rows[0].id == message["id"] and rows[0].client_msg_id == "c-1"
    replies = events(sio, "message")
    assert len(replies) == 1
    reply = replies[0]
    assert reply["sender"] == "bot" and reply["reply_to"] == "c-1"
    assert reply["intent"] == "shipping_time" and reply["confidence"] > 0.5
    assert rows[1].intent == "shipping_time" and rows[1].confidence == reply["confidence"]


def test_bot_answers_chinese_in_chinese(visitor):
    sio = visitor(locale="en")
    session_of(sio)
    send(sio, "什么时候发货", client_msg_id="zh-1")
    reply = events(sio, "message")[0]
    assert reply["intent"] == "shipping_time"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in reply["text"])


def test_reconnecting_with_the_token_resumes_the_conversation(visitor):
    first = visitor()
    token = session_of(first)["token"]
    ack = send(first, "how long does shipping take")
    first.disconnect("/visitor")
    again = session_of(visitor(token=token))
    assert again["conversation_id"] == ack["message"]["conversation_id"]
    assert [m["sender"] for m in again["messages"]] == ["visitor", "bot"]
    assert again["messages"][0]["text"] == "how long does shipping take"


def test_repeated_client_msg_id_is_acked_with_the_stored_message_and_not_answered_twice(
        app, visitor):
    sio = visitor()
    session_of(sio)
    first = send(sio, "how long does shipping take", client_msg_id="same")
    received(sio)
    second = send(sio, "how long does shipping take", client_msg_id="same")
    assert second["ok"] is True and second["duplicate"] is True
    assert second["message"]["id"] == first["message"]["id"]
    assert events(sio, "message") == []
    rows = stored_messages(app, first["message"]["conversation_id"])
    assert len(rows) == 2


def test_every_tab_of_a_visitor_sees_the_message_and_the_reply(visitor):
    tab1 = visitor()
    token = session_of(tab1)["token"]
    tab2 = visitor(token=token)
    session_of(tab2)
    send(tab1, "how long does shipping take", client_msg_id="tabs")
    assert [m["sender"] for m in events(tab2, "message")] == ["visitor", "bot"]
    assert [m["sender"] for m in events(tab1, "message")] == ["bot"]


@pytest.mark.parametrize("payload, code", [
    ("just a string", "invalid_payload"),
    (["a", "list"], "invalid_payload"),
    (None, "invalid_payload"),
    ({"text": "hi"}, "missing_field"),
    ({"client_msg_id": "x"}, "missing_field"),
    ({"client_msg_id": 5, "text": "hi"}, "invalid_type"),
    ({"client_msg_id": "x", "text": ["hi"]}, "invalid_type"),
    ({"client_msg_id": "x", "text": ""}, "empty_text"),
    ({"client_msg_id": "x", "text": "   \n\t "}, "empty_text"),
    ({"client_msg_id": "x", "text": "a" * 2001}, "text_too_long"),
    ({"client_msg_id": "x" * 65, "text": "hi"}, "field_too_long"),
    ({"client_msg_id": "", "text": "hi"}, "empty_field"),
    ({"client_msg_id": "x", "text": "hi", "intent": 3}, "invalid_type"),
])
def test_bad_payload_gets_an_error_code_and_the_connection_keeps_serving(
        app, visitor, payload, code):
    sio = visitor()
    session_of(sio)
    ack = sio.emit("message", payload, namespace="/visitor", callback=True)
    assert ack["ok"] is False
    assert ack["error"]["code"] == code and ack["error"]["message"]
    assert sio.is_connected("/visitor")
    good = send(sio, "how long does shipping take")
    assert good["ok"] is True
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Message.id)).where(
            Message.sender == "visitor")) == 1


def test_text_of_exactly_2000_characters_is_accepted(visitor):
    sio = visitor()
    session_of(sio)
    assert send(sio, "a" * 2000)["ok"] is True


def test_forged_token_is_refused(app, visitor):
    good = session_of(visitor())["token"]
    forged = good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB")
    sio = visitor(token=forged)
    assert not sio.is_connected("/visitor")


def test_token_signed_with_another_secret_is_refused(app_factory, visitor):
    other = app_factory(SECRET_KEY="another-secret")
    from kefu.extensions import socketio

    sio = socketio.test_client(other, namespace="/visitor", auth={"locale": "en"})
    token = session_of(sio)["token"]
    assert not visitor(token=token).is_connected("/visitor")


def test_a_token_only_ever_reaches_its_own_conversation(app, visitor):
    alice = visitor()
    alice_token = session_of(alice)["token"]
    a_conv = send(alice, "alice secret question about shipping")["message"]["conversation_id"]
    bob = visitor()
    bob_token = session_of(bob)["token"]
    b_conv = send(bob, "bob asks about refunds")["message"]["conversation_id"]
    assert a_conv != b_conv
    # Bob cannot name Alice's conversation in a message ...
    ack = send(bob, "let me in", conversation_id=a_conv)
    assert ack["message"]["conversation_id"] == b_conv
    # ... nor get her history by reconnecting with his own token.
    resumed = session_of(visitor(token=bob_token))
    assert resumed["conversation_id"] == b_conv
    assert all("alice" not in m["text"] for m in resumed["messages"])
    assert session_of(visitor(token=alice_token))["conversation_id"] == a_conv
    with app.app_context():
        texts = [m.text for m in stored_messages(app, a_conv) if m.sender == "visitor"]
    assert texts == ["alice secret question about shipping"]


def test_auth_that_is_not_an_object_is_refused(app):
    from kefu.extensions import socketio

    sio = socketio.test_client(app, namespace="/visitor", auth="token-as-string")
    assert not sio.is_connected("/visitor")


def test_message_floods_are_rate_limited(app_factory):
    app = app_factory(VISITOR_MESSAGE_RATE_LIMIT="3 per minute")
    from kefu.extensions import socketio

    sio = socketio.test_client(app, namespace="/visitor", auth={"locale": "en"})
    acks = [send(sio, f"hello {i}") for i in range(4)]
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[-1]["error"]["code"] == "rate_limited"


def test_conversation_is_created_with_the_first_message(app, visitor):
    sio = visitor()
    session_of(sio)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Conversation.id))) == 0
    send(sio, "hi")
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Conversation.id))) == 1


def test_a_server_failure_at_connect_refuses_the_connection_instead_of_raising(app, visitor):
    with app.app_context():
        db.session.execute(db.text("DROP TABLE conversation_events"))
        db.session.execute(db.text("DROP TABLE messages"))
        db.session.execute(db.text("DROP TABLE tickets"))
        db.session.execute(db.text("DROP TABLE conversations"))
        db.session.execute(db.text("DROP TABLE visitors"))
        db.session.commit()
    sio = visitor()
    assert not sio.is_connected("/visitor")
