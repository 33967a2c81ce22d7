"""After a chat is closed, a reload shows the earlier transcripts: the visitor's own
ended chats, visitor-visible lines only, a bounded page at a time (``session.earlier``
and ``history``)."""
from tests.helpers import ack_error, send, session_of


def history(sio, before_id=None):
    payload = {} if before_id is None else {"before_id": before_id}
    return sio.emit("history", payload, namespace="/visitor", callback=True)


def closed_chat(sio, desk, text, note="private: watch this one"):
    """A chat of ``sio`` an agent answered, noted and closed; returns its id."""
    conversation_id = send(sio, text)["message"]["conversation_id"]
    assert sio.emit("request_human", {}, namespace="/visitor", callback=True)["ok"] is True
    agent = desk(name="Ann")
    assert agent.call("claim", {"conversation_id": conversation_id})["ok"] is True
    assert agent.call("message", {"conversation_id": conversation_id,
                                  "client_msg_id": "a1", "text": f"answer to {text}"})["ok"]
    assert agent.call("note", {"conversation_id": conversation_id,
                               "client_msg_id": "n1", "text": note})["ok"]
    assert agent.call("close", {"conversation_id": conversation_id})["ok"] is True
    return conversation_id


def test_a_reload_after_the_close_shows_the_closed_chat_above_the_new_one(visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    closed = closed_chat(sio, desk, "where is my parcel")
    sio.disconnect("/visitor")

    session = session_of(visitor(token=token))
    assert session["conversation_id"] is None and session["messages"] == []
    earlier = session["earlier"]
    texts = [m["text"] for m in earlier["messages"]]
    assert texts[0] == "where is my parcel"
    assert "answer to where is my parcel" in texts
    assert {m["conversation_id"] for m in earlier["messages"]} == {closed}
    assert all(m["sender"] != "note" for m in earlier["messages"])
    assert "private: watch this one" not in texts
    assert earlier["more"] is False


def test_the_open_chat_is_not_repeated_among_the_earlier_ones(visitor, desk):
    sio = visitor()
    token = session_of(sio)["token"]
    closed = closed_chat(sio, desk, "first question")
    now_open = send(sio, "a new question")["message"]["conversation_id"]
    sio.disconnect("/visitor")
    session = session_of(visitor(token=token))
    assert session["conversation_id"] == now_open
    assert {m["conversation_id"] for m in session["earlier"]["messages"]} == {closed}
    assert session["messages"][0]["text"] == "a new question"


def test_earlier_chats_come_in_bounded_pages_back_to_the_first(app, visitor, desk):
    app.config["EARLIER_LIMIT"] = 3
    sio = visitor()
    token = session_of(sio)["token"]
    first = closed_chat(sio, desk, "first chat")
    second = closed_chat(sio, desk, "second chat")
    sio.disconnect("/visitor")
    again = visitor(token=token)
    page = session_of(again)["earlier"]
    assert len(page["messages"]) == 3 and page["more"] is True
    assert {m["conversation_id"] for m in page["messages"]} == {second}
    lines = list(page["messages"])
    while page["more"]:
        page = history(again, lines[0]["id"])
        assert page["ok"] is True and len(page["messages"]) <= 3
        lines = page["messages"] + lines
    assert [m["id"] for m in lines] == sorted({m["id"] for m in lines})
    assert lines[0]["text"] == "first chat"
    assert {m["conversation_id"] for m in lines} == {first, second}
    assert all(m["sender"] != "note" for m in lines)
    assert history(again)["messages"] == lines[-3:]  # no before_id: the latest page


def test_nobody_sees_another_visitors_earlier_chats(visitor, desk):
    sio = visitor()
    session_of(sio)
    closed_chat(sio, desk, "my address is 1 Main St")
    stranger = visitor()
    assert session_of(stranger)["earlier"] == {"messages": [], "more": False}
    assert history(stranger, 10**9)["messages"] == []


def test_history_validates_its_payload(visitor):
    sio = visitor()
    session_of(sio)
    assert history(sio)["ok"] is True
    assert sio.emit("history", namespace="/visitor", callback=True)["ok"] is True
    assert ack_error(sio.emit("history", None, namespace="/visitor", callback=True)) \
        == "invalid_payload"
    assert ack_error(history(sio, 0)) == "out_of_range"
    assert ack_error(history(sio, "12")) == "invalid_type"
